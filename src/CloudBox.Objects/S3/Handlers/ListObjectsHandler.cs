using CloudBox.Core.Api.Aws;
using System.Globalization;
using System.Text;
using CloudBox.Objects.S3.Auth;
using CloudBox.Objects.Storage;

namespace CloudBox.Objects.S3.Handlers;

/// <summary>ListObjects (v1, marker) and ListObjectsV2 (continuation-token, start-after): keys and common prefixes in byte order, max-keys at a time.</summary>
internal static class ListObjectsHandler
{
    /// <summary>Sorts after every name that starts with a given prefix, to step past a rolled-up common prefix.</summary>
    private const string AfterPrefix = "\U0010FFFF";

    public static async Task ListV1Async(S3Context context)
    {
        var request = context.Request;
        var prefix = request.Get("prefix") ?? "";
        var delimiter = request.Get("delimiter") ?? "";
        var marker = request.Get("marker") ?? "";
        var maxKeys = MaxKeys(request);
        var encode = UrlEncoding(request);
        var (entries, truncated) = await ListAsync(context, prefix, delimiter, ResumeAfter(marker, prefix, delimiter), maxKeys);

        var xml = new S3XmlWriter("ListBucketResult");
        xml.Element("Name", context.Bucket).Element("Prefix", encode(prefix)).Element("Marker", encode(marker));
        if (truncated && delimiter.Length > 0 && entries.Count > 0)
            xml.Element("NextMarker", encode(NameOf(entries[^1])));
        xml.Element("MaxKeys", maxKeys.ToString(CultureInfo.InvariantCulture));
        if (delimiter.Length > 0)
            xml.Element("Delimiter", encode(delimiter));
        if (request.Has("encoding-type"))
            xml.Element("EncodingType", "url");
        xml.Element("IsTruncated", truncated ? "true" : "false");
        WriteEntries(xml, context, entries, encode, withOwner: true);
        await xml.WriteToAsync(context.Response, context.Aborted);
    }

    public static async Task ListV2Async(S3Context context)
    {
        var request = context.Request;
        var prefix = request.Get("prefix") ?? "";
        var delimiter = request.Get("delimiter") ?? "";
        var token = request.Get("continuation-token");
        var startAfter = request.Get("start-after");
        var maxKeys = MaxKeys(request);
        var encode = UrlEncoding(request);
        string? resume;
        if (token is not null)
            resume = DecodeToken(token);
        else
            resume = string.IsNullOrEmpty(startAfter) ? null : startAfter;
        var (entries, truncated) = await ListAsync(context, prefix, delimiter, resume, maxKeys);

        var xml = new S3XmlWriter("ListBucketResult");
        xml.Element("Name", context.Bucket).Element("Prefix", encode(prefix));
        if (startAfter is not null)
            xml.Element("StartAfter", encode(startAfter));
        if (token is not null)
            xml.Element("ContinuationToken", token);
        if (truncated && entries.Count > 0)
            xml.Element("NextContinuationToken", EncodeToken(ResumeAfter(NameOf(entries[^1]), prefix, delimiter)!));
        xml.Element("KeyCount", entries.Count.ToString(CultureInfo.InvariantCulture));
        xml.Element("MaxKeys", maxKeys.ToString(CultureInfo.InvariantCulture));
        if (delimiter.Length > 0)
            xml.Element("Delimiter", encode(delimiter));
        if (request.Has("encoding-type"))
            xml.Element("EncodingType", "url");
        xml.Element("IsTruncated", truncated ? "true" : "false");
        WriteEntries(xml, context, entries, encode, withOwner: request.Get("fetch-owner") == "true");
        await xml.WriteToAsync(context.Response, context.Aborted);
    }

    private static async Task<(IReadOnlyList<ListingEntry<ObjectRecord>> Entries, bool Truncated)> ListAsync(
        S3Context context, string prefix, string delimiter, string? after, int maxKeys)
    {
        await BucketAccess.RequireAsync(context);
        if (maxKeys == 0)
            return ([], false);
        var query = new ListingQuery(Prefix: prefix, Delimiter: delimiter.Length > 0 ? delimiter : null, Marker: after, Limit: maxKeys + 1);
        var entries = await context.Services.Store.ListObjectsAsync(context.Caller.ProjectId, context.Bucket, query, context.Aborted);
        return entries.Count > maxKeys ? (entries.Take(maxKeys).ToList(), true) : (entries, false);
    }

    /// <summary>
    /// Where a listing resumes after <paramref name="marker"/>: past the whole common prefix when
    /// the marker lies inside one (it was answered as one CommonPrefixes entry), else just after it.
    /// </summary>
    private static string? ResumeAfter(string marker, string prefix, string delimiter)
    {
        if (marker.Length == 0)
            return null;
        if (delimiter.Length > 0 && marker.StartsWith(prefix, StringComparison.Ordinal))
        {
            var cut = marker.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
            if (cut >= 0)
                return marker[..(cut + delimiter.Length)] + AfterPrefix;
        }
        return marker;
    }

    private static void WriteEntries(S3XmlWriter xml, S3Context context, IReadOnlyList<ListingEntry<ObjectRecord>> entries, Func<string, string> encode, bool withOwner)
    {
        foreach (var entry in entries)
        {
            if (entry.Item is not { } item)
                continue;
            xml.Start("Contents")
                .Element("Key", encode(item.Name))
                .Element("LastModified", ObjectMetadata.XmlDate(item.LastModified))
                .Element("ETag", ObjectMetadata.Quote(item.Etag))
                .Element("Size", item.Size.ToString(CultureInfo.InvariantCulture))
                .Element("StorageClass", "STANDARD");
            if (withOwner)
                xml.Start("Owner").Element("ID", context.Caller.ProjectId).Element("DisplayName", context.Caller.Context.ProjectName).End();
            xml.End();
        }
        foreach (var entry in entries)
        {
            if (entry.Subdir is { } subdir)
                xml.Start("CommonPrefixes").Element("Prefix", encode(subdir)).End();
        }
    }

    private static string NameOf(ListingEntry<ObjectRecord> entry) => entry.Item?.Name ?? entry.Subdir!;

    private static int MaxKeys(S3Request request)
    {
        var text = request.Get("max-keys");
        if (text is null)
            return 1000;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw S3Error.InvalidArgument("Provided max-keys not an integer or within integer range");
        return Math.Min(value, 1000);
    }

    private static Func<string, string> UrlEncoding(S3Request request) => request.Get("encoding-type") switch
    {
        null => name => name,
        "url" => name => SigV4Encoding.Encode(name, keepSlash: true),
        _ => throw S3Error.InvalidArgument("Invalid Encoding Method specified in Request"),
    };

    private static string EncodeToken(string resume) => Convert.ToBase64String(Encoding.UTF8.GetBytes(resume));

    private static string DecodeToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw S3Error.InvalidArgument("The continuation token provided is incorrect");
        }
    }
}
