using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using CloudBox.Objects.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Objects.Maintenance;

/// <summary>
/// Re-reads every object's blobs and compares their MD5 with the recorded ETag (for multipart
/// objects the MD5 of the parts' MD5s), reporting any object whose bytes are missing or have
/// changed: a log warning and the <c>cloudbox.objects.audit.mismatches</c> counter.
/// </summary>
public sealed partial class ObjectAuditor(ObjectStore store, ObjectReader reader, ObjectsSettings settings, TimeProvider clock, ILogger<ObjectAuditor> logger) : BackgroundService
{
    private const int Page = 200;
    private static readonly Meter Meter = new("CloudBox.Objects");
    private static readonly Counter<long> MismatchCounter = Meter.CreateCounter<long>("cloudbox.objects.audit.mismatches");
    private long _mismatches;
    private long _audited;

    /// <summary>Objects found damaged since start.</summary>
    public long Mismatches => Interlocked.Read(ref _mismatches);

    /// <summary>Objects checked since start.</summary>
    public long Audited => Interlocked.Read(ref _audited);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.AuditorPeriod, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogFailed(error);
            }
        }
    }

    /// <summary>One pass over every object; returns the damaged ones as "project/container/name".</summary>
    public async Task<IReadOnlyList<string>> RunOnceAsync(CancellationToken cancellationToken)
    {
        var damaged = new List<string>();
        (string, string, string)? after = null;
        while (true)
        {
            var page = await store.ObjectsAfterAsync(after, Page, cancellationToken);
            foreach (var record in page)
            {
                Interlocked.Increment(ref _audited);
                var problem = await CheckAsync(record, cancellationToken);
                if (problem is null)
                    continue;
                var key = $"{record.ProjectId}/{record.Container}/{record.Name}";
                damaged.Add(key);
                Interlocked.Increment(ref _mismatches);
                MismatchCounter.Add(1);
                LogMismatch(key, problem);
            }
            if (page.Count < Page)
                break;
            var last = page[^1];
            after = (last.ProjectId, last.Container, last.Name);
        }
        return damaged;
    }

    /// <summary>Null when the bytes match the ETag; else what is wrong.</summary>
    private async Task<string?> CheckAsync(ObjectRecord record, CancellationToken cancellationToken)
    {
        var parts = record.PartList();
        var digests = new List<byte[]>();
        long total = 0;
        foreach (var part in parts)
        {
            await using var file = await reader.OpenPartAsync(part, cancellationToken);
            if (file is null)
                return $"blob {part.BlobId} is missing";
            if (file.Length != part.Size)
                return $"blob {part.BlobId} holds {file.Length} bytes, {part.Size} recorded";
            digests.Add(await MD5.HashDataAsync(file, cancellationToken));
            total += part.Size;
        }
        if (total != record.Size)
            return $"parts hold {total} bytes, {record.Size} recorded";

        string actual;
        var dash = record.Etag.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
            actual = Convert.ToHexStringLower(MD5.HashData(digests.SelectMany(d => d).ToArray())) + "-" + digests.Count;
        else if (digests.Count == 1)
            actual = Convert.ToHexStringLower(digests[0]);
        else if (digests.Count == 0)
            actual = "d41d8cd98f00b204e9800998ecf8427e";
        else
            return null; // several parts but a plain ETag: nothing to compare the parts with
        return actual.Equals(record.Etag, StringComparison.OrdinalIgnoreCase) ? null : $"content MD5 {actual} differs from ETag {record.Etag}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit: object {Key} is damaged: {Problem}")]
    private partial void LogMismatch(string key, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Object audit pass failed; retrying")]
    private partial void LogFailed(Exception error);
}
