using System.Diagnostics;
using CloudBox.Compute.Drivers;

namespace CloudBox.Compute.Build;

/// <summary>
/// Gives a server its own root disk from its image, never the image file itself: a sparse copy of a
/// raw image (zero blocks become holes), or <c>qemu-img convert</c> of a qcow2 one, grown to the
/// flavor's disk size. Written to a temporary name and renamed, so a crash never leaves half a disk.
/// </summary>
public static class RootDisk
{
    private const int BlockSize = 1 << 20;

    public static async Task CreateAsync(string imagePath, string? diskFormat, string target, long minimumBytes, CancellationToken cancellationToken)
    {
        if (File.Exists(target))
            return;
        if (!File.Exists(imagePath))
            throw new DriverException("The server's image data is gone; it was deleted before the server was built.");
        var temporary = target + ".tmp";
        File.Delete(temporary);
        if (diskFormat == "qcow2")
            await ConvertAsync(imagePath, temporary, cancellationToken);
        else
            await SparseCopyAsync(imagePath, temporary, cancellationToken);
        await using (var disk = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
        {
            if (disk.Length < minimumBytes)
                disk.SetLength(minimumBytes);
            disk.Flush(flushToDisk: true);
        }
        File.Move(temporary, target);
    }

    /// <summary>Copies <paramref name="source"/> leaving all-zero blocks as holes.</summary>
    public static async Task SparseCopyAsync(string source, string target, CancellationToken cancellationToken)
    {
        var buffer = new byte[BlockSize];
        await using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        long length = 0;
        while (true)
        {
            var read = await ReadBlockAsync(input, buffer, cancellationToken);
            if (read == 0)
                break;
            if (buffer.AsSpan(0, read).ContainsAnyExcept((byte)0))
            {
                output.Position = length;
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            length += read;
        }
        output.SetLength(length);
    }

    private static async Task<int> ReadBlockAsync(Stream input, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await input.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }

    private static Task ConvertAsync(string source, string target, CancellationToken cancellationToken) =>
        QemuImgAsync(["convert", "-q", "-f", "qcow2", "-O", "raw", source, target], cancellationToken);

    /// <summary>
    /// A snapshot of a raw root disk for an image: qcow2 when qemu-img is there (holes stay out of
    /// the image, so a mostly empty 20 GiB disk makes a small image), else a sparse raw copy.
    /// Returns the disk format written.
    /// </summary>
    public static async Task<string> SnapshotAsync(string rootDisk, string target, CancellationToken cancellationToken)
    {
        try
        {
            await QemuImgAsync(["convert", "-q", "-f", "raw", "-O", "qcow2", rootDisk, target], cancellationToken);
            return "qcow2";
        }
        catch (DriverException) when (!File.Exists(target) || new FileInfo(target).Length == 0)
        {
            File.Delete(target);
            await SparseCopyAsync(rootDisk, target, cancellationToken);
            return "raw";
        }
    }

    private static async Task QemuImgAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("qemu-img") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new DriverException("qemu-img could not be started.");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new DriverException("qemu-img is needed for qcow2 images and is not installed.", error);
        }
        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
                throw new DriverException($"qemu-img {arguments[0]} failed: {(await errors).Trim()}");
        }
    }

    /// <summary>Copies a small file (kernel, initrd) into the instance directory, atomically.</summary>
    public static async Task CopyFileAsync(string source, string target, CancellationToken cancellationToken)
    {
        if (File.Exists(target))
            return;
        if (!File.Exists(source))
            throw new DriverException($"Boot file {Path.GetFileName(target)} is missing: its image was deleted.");
        var temporary = target + ".tmp";
        await using (var input = File.OpenRead(source))
        await using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            await input.CopyToAsync(output, cancellationToken);
            output.Flush(flushToDisk: true);
        }
        File.Move(temporary, target, overwrite: true);
    }
}
