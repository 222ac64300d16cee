using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudBox.Objects.Storage;

namespace CloudBox.Objects.Swift;

/// <summary>
/// What reading an object yields: its own bytes, or for a large object the concatenation of its
/// segments, resolved when read (Swift's semantics: a DLO is whatever its prefix lists now).
/// </summary>
internal sealed class ContentPlan(IReadOnlyList<ObjectPiece> pieces, string etag, bool quotedEtag)
{
    private const int MaxDynamicSegments = 10_000;
    private const int MaxNesting = 10;

    public IReadOnlyList<ObjectPiece> Pieces { get; } = pieces;
    public long Length { get; } = pieces.Sum(p => p.Length);

    /// <summary>The ETag value without quotes; large objects answer it quoted, as Swift does.</summary>
    public string Etag { get; } = etag;
    public string EtagHeader => quotedEtag ? $"\"{Etag}\"" : Etag;

    public static async Task<ContentPlan> ResolveAsync(SwiftRequest request, ObjectRecord record)
    {
        var view = ObjectView.Of(record);
        var authorized = new HashSet<string>(StringComparer.Ordinal) { record.Container };
        if (view.IsStatic)
        {
            var pieces = new List<ObjectPiece>();
            await AddStaticSegmentsAsync(request, record, pieces, 0, authorized);
            return new ContentPlan(pieces, view.ListingEtag, quotedEtag: true);
        }
        if (view.DynamicManifest is { } manifest)
            return await ResolveDynamicAsync(request, record, manifest, authorized);
        return new ContentPlan([new ObjectPiece(record, 0, record.Size)], record.Etag, quotedEtag: false);
    }

    /// <summary>Copies bytes [offset, offset + length) of the plan to <paramref name="output"/>.</summary>
    public async Task WriteAsync(ObjectReader reader, long offset, long length, Stream output, CancellationToken cancellationToken)
    {
        long start = 0;
        foreach (var piece in Pieces)
        {
            if (length <= 0)
                break;
            var end = start + piece.Length;
            if (end > offset)
            {
                var from = offset - start;
                var take = Math.Min(piece.Length - from, length);
                await reader.CopyAsync(piece.Record, piece.Offset + from, take, output, cancellationToken);
                offset += take;
                length -= take;
            }
            start = end;
        }
    }

    /// <summary>Reads a (small) stored object whole, e.g. an SLO manifest.</summary>
    public static async Task<byte[]> ReadAllAsync(SwiftRequest request, ObjectRecord record)
    {
        using var buffer = new MemoryStream();
        await request.Backend.Reader.CopyAsync(record, 0, record.Size, buffer, request.Aborted);
        return buffer.ToArray();
    }

    private static async Task<ContentPlan> ResolveDynamicAsync(SwiftRequest request, ObjectRecord manifestObject, string manifest, HashSet<string> authorized)
    {
        var (container, prefix) = SwiftPath.SplitReference(manifest);
        await AuthorizeSegmentsAsync(request, manifestObject.ProjectId, container, authorized);
        var segments = await request.Store.ListObjectsAsync(manifestObject.ProjectId, container,
            new ListingQuery(Prefix: prefix ?? "", Limit: MaxDynamicSegments), request.Aborted);
        var pieces = new List<ObjectPiece>();
        var etags = new StringBuilder();
        foreach (var entry in segments)
        {
            if (entry.Item is not { } segment || segment.LargeObject is not null)
                continue; // a DLO does not nest
            pieces.Add(new ObjectPiece(segment, 0, segment.Size));
            etags.Append(segment.Etag);
        }
        return new ContentPlan(pieces, Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(etags.ToString()))), quotedEtag: true);
    }

    /// <summary>
    /// Segments in another container are read with the caller's own rights there, as Swift
    /// does: read access to a manifest is no key to a private segment container.
    /// </summary>
    private static async Task AuthorizeSegmentsAsync(SwiftRequest request, string projectId, string container, HashSet<string> authorized)
    {
        if (!authorized.Add(container))
            return;
        var path = new SwiftPath(SwiftPath.AccountPrefix + projectId, projectId, container, null);
        var segments = new SwiftRequest(request.Context, path, request.Backend) { TempUrlGranted = request.TempUrlGranted };
        if (segments.IsOwner(segments.Caller))
            return;
        segments.Authorize(SwiftOperation.ReadObject, await request.Store.FindContainerAsync(projectId, container, request.Aborted));
    }

    private static async Task AddStaticSegmentsAsync(SwiftRequest request, ObjectRecord manifestObject, List<ObjectPiece> pieces, int depth, HashSet<string> authorized)
    {
        if (depth > MaxNesting)
            throw SwiftFaults.Conflict("Max recursion depth exceeded on large object manifest");
        var segments = StaticManifest.Parse(await ReadAllAsync(request, manifestObject));
        foreach (var segment in segments)
        {
            var (container, name) = SwiftPath.SplitReference(segment.Name);
            await AuthorizeSegmentsAsync(request, manifestObject.ProjectId, container, authorized);
            var record = name is null ? null : await request.Store.FindObjectAsync(manifestObject.ProjectId, container, name, request.Aborted);
            if (record is null || ObjectView.Of(record).ListingEtag != segment.Hash)
                throw SwiftFaults.Conflict($"Large object segment {segment.Name} is missing or has changed.");
            if (record.LargeObject == ObjectView.StaticMarker)
            {
                await AddStaticSegmentsAsync(request, record, pieces, depth + 1, authorized);
                continue;
            }
            var (offset, length) = segment.RangeWithin(record.Size);
            pieces.Add(new ObjectPiece(record, offset, length));
        }
    }
}
