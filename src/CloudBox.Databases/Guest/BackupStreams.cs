using System.Buffers;
using System.Diagnostics;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Security.Cryptography;
using CloudBox.Databases.Agent;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace CloudBox.Databases.Guest;

/// <summary>
/// The path every datastore's backup takes, whatever tool produces the archive (<c>pg_basebackup</c>'s
/// tar, <c>mariabackup</c>'s xbstream): the archive is zstd-compressed (level 1, one worker per core),
/// SHA-256-checksummed and stored as segments in the owner's object store, with compression and upload
/// running at the same time; a restore reads it back, decompresses (zstd, or gzip for backups taken
/// before zstd: the stored bytes' magic decides) and hands the archive to the datastore's extractor,
/// download, decompression and extraction again running at the same time, and checks the checksum.
/// </summary>
internal static class BackupStreams
{
    /// <summary>The compression new backups are stored with, recorded on the manifest as <see cref="CompressionHeader"/>.</summary>
    public const string Compression = "zstd";

    /// <summary>The manifest's metadata naming its compression (the stored bytes' magic is what a restore trusts).</summary>
    public const string CompressionHeader = "X-Object-Meta-Compression";

    /// <summary>zstd's fastest ordinary level: several times gzip -1's speed at a similar ratio.</summary>
    private const int ZstdLevel = 1;

    private const int PipeBytes = 16 << 20;
    private const int CopyBytes = 1 << 20;

    private static PipeOptions Options => new(pauseWriterThreshold: PipeBytes, resumeWriterThreshold: PipeBytes / 2, minimumSegmentSize: 256 << 10, useSynchronizationContext: false);

    /// <summary>
    /// Stores what <paramref name="process"/> (named <paramref name="tool"/> in errors) writes to its
    /// standard output as the backup; fails if it exits with an error. Returns the stored size and checksum.
    /// </summary>
    public static async Task<(long Size, string Checksum)> StoreProcessOutputAsync(Process process, string tool, BackupObjectStore store, CancellationToken cancellationToken)
    {
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var pipe = new Pipe(Options);
        var compress = Task.Run(() => CompressAsync(process.StandardOutput.BaseStream, pipe.Writer, cancellationToken), cancellationToken);
        try
        {
            (long, string) stored;
            await using (var compressed = pipe.Reader.AsStream())
                stored = await store.UploadAsync(compressed, cancellationToken);
            await compress;
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{tool} failed (exit {process.ExitCode}): {ProcessRunner.Tail(await errors)}");
            return stored;
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            try
            {
                await compress;
            }
            catch (Exception error) when (error is IOException or OperationCanceledException or InvalidOperationException)
            {
                // The upload failed or was cancelled first; its error is the one reported.
            }
        }
    }

    private static async Task CompressAsync(Stream source, PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            await using (var zstd = new CompressionStream(writer.AsStream(leaveOpen: true), ZstdLevel, CopyBytes, leaveOpen: false))
            {
                // Workers of zstd's own compress blocks in parallel while this thread reads the tool's output.
                zstd.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, Math.Max(1, Environment.ProcessorCount));
                var buffer = ArrayPool<byte>.Shared.Rent(CopyBytes);
                try
                {
                    int read;
                    while ((read = await source.ReadAsync(buffer.AsMemory(0, CopyBytes), cancellationToken)) > 0)
                        await zstd.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            await writer.CompleteAsync();
        }
        catch (Exception error)
        {
            await writer.CompleteAsync(error);
            throw;
        }
    }

    /// <summary>
    /// Reads the backup at <paramref name="location"/> back and hands its archive to
    /// <paramref name="extract"/>; then checks the stored bytes against the recorded checksum (what
    /// was extracted must be thrown away by the caller when this fails).
    /// </summary>
    public static async Task RestoreAsync(BackupObjectStore store, BackupLocation location, Func<Stream, CancellationToken, Task> extract, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stored = new Pipe(Options);
        var archive = new Pipe(Options);
        long size = 0;
        using var response = await store.OpenAsync(cancellationToken);
        var download = Task.Run(async () =>
        {
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(stop.Token);
                while (true)
                {
                    var memory = stored.Writer.GetMemory(CopyBytes);
                    var read = await body.ReadAsync(memory, stop.Token);
                    if (read == 0)
                        break;
                    hash.AppendData(memory.Span[..read]);
                    size += read;
                    stored.Writer.Advance(read);
                    var flushed = await stored.Writer.FlushAsync(stop.Token);
                    if (flushed.IsCompleted)
                        break;
                }
                await stored.Writer.CompleteAsync();
            }
            catch (Exception error)
            {
                await stored.Writer.CompleteAsync(error);
                throw;
            }
        }, stop.Token);
        var decompress = Task.Run(() => DecompressAsync(stored.Reader, archive.Writer, stop.Token), stop.Token);
        try
        {
            await using (var input = archive.Reader.AsStream())
            {
                await extract(input, stop.Token);
                // The checksum covers every stored byte, also those after the archive's end.
                await input.CopyToAsync(Stream.Null, CopyBytes, stop.Token);
            }
            await decompress;
            await download;
        }
        catch
        {
            await stop.CancelAsync();
            try
            {
                await Task.WhenAll(download, decompress);
            }
            catch (Exception error) when (error is IOException or OperationCanceledException or InvalidOperationException or HttpRequestException or InvalidDataException or ZstdException)
            {
                // The extraction failed first (or saw this failure through the pipe); its error is the one reported.
            }
            throw;
        }
        var checksum = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (location.Checksum is { } expected && !string.Equals(expected, checksum, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(
                $"Backup {location.Id} fails its checksum: the {size} bytes read have SHA-256 {checksum}, the backup recorded {expected}. It was not restored.");
    }

    /// <summary>zstd or gzip, by the stored bytes' magic (backups taken before zstd are gzip).</summary>
    private static async Task DecompressAsync(PipeReader stored, PipeWriter archive, CancellationToken cancellationToken)
    {
        try
        {
            var head = await stored.ReadAtLeastAsync(4, cancellationToken);
            var magic = head.Buffer.Slice(0, Math.Min(4, head.Buffer.Length)).ToArray();
            stored.AdvanceTo(head.Buffer.Start);
            await using var input = stored.AsStream();
            await using Stream decompressor = magic switch
            {
                [0x28, 0xB5, 0x2F, 0xFD] => new DecompressionStream(input, CopyBytes, checkEndOfStream: false, leaveOpen: true),
                [0x1F, 0x8B, ..] => new GZipStream(input, CompressionMode.Decompress, leaveOpen: true),
                _ => throw new InvalidOperationException("The backup is neither zstd nor gzip: it was not taken by this cloud's agent."),
            };
            await using (var output = archive.AsStream(leaveOpen: true))
                await decompressor.CopyToAsync(output, CopyBytes, cancellationToken);
            // What follows the compressed data (nothing, normally) still goes through the checksum.
            await input.CopyToAsync(Stream.Null, CopyBytes, cancellationToken);
            await archive.CompleteAsync();
        }
        catch (Exception error)
        {
            await archive.CompleteAsync(error);
            throw;
        }
    }
}
