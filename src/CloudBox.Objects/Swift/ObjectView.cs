using System.Globalization;
using CloudBox.Objects.Storage;

namespace CloudBox.Objects.Swift;

/// <summary>
/// How Swift presents a stored object: a Static Large Object is stored as its manifest but shows
/// the total size and the MD5 of its segments' ETags; a Dynamic Large Object is a zero-byte
/// manifest naming a container and prefix.
/// </summary>
internal sealed record ObjectView(long Length, string ListingEtag, bool IsStatic, string? DynamicManifest)
{
    public const string StaticMarker = "slo";
    public const string DynamicMarkerPrefix = "dlo:";
    public const string SloSizeKey = "slo:size";
    public const string SloEtagKey = "slo:etag";
    public const string UserMetaPrefix = "meta-";

    /// <summary>Standard headers an object keeps and answers with, as Swift's object server allows.</summary>
    public static readonly string[] StoredHeaders = ["Content-Encoding", "Content-Disposition", "Content-Language", "Cache-Control", "Expires", "X-Robots-Tag"];

    public bool IsLarge => IsStatic || DynamicManifest is not null;

    public static ObjectView Of(ObjectRecord record)
    {
        if (record.LargeObject == StaticMarker)
        {
            var metadata = record.MetadataMap();
            var size = metadata.TryGetValue(SloSizeKey, out var s) ? long.Parse(s, CultureInfo.InvariantCulture) : record.Size;
            var etag = metadata.TryGetValue(SloEtagKey, out var e) ? e : record.Etag;
            return new ObjectView(size, etag, true, null);
        }
        if (record.LargeObject is { } marker && marker.StartsWith(DynamicMarkerPrefix, StringComparison.Ordinal))
            return new ObjectView(record.Size, record.Etag, false, marker[DynamicMarkerPrefix.Length..]);
        return new ObjectView(record.Size, record.Etag, false, null);
    }
}
