using CloudBox.Core.Api.Aws;
using CloudBox.Objects.S3.Auth;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.S3;

/// <summary>
/// Where an S3 request points: bucket and key (path-style <c>/bucket/key</c>, or virtual-hosted
/// <c>bucket.host</c> when the S3 endpoint has a host name) and its decoded query.
/// </summary>
internal sealed class S3Request
{
    private S3Request(string bucket, string key, List<KeyValuePair<string, string>> query, bool virtualHosted = false)
    {
        Bucket = bucket;
        Key = key;
        Query = query;
        HostBucket = virtualHosted ? bucket : null;
    }

    /// <summary>The bucket when it was named by the host (virtual-hosted style); signature version 2 signs it as a path prefix.</summary>
    public string? HostBucket { get; }

    /// <summary>Empty for the service (ListBuckets).</summary>
    public string Bucket { get; }

    /// <summary>Empty for a bucket request.</summary>
    public string Key { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Query { get; }

    public bool Has(string name) => Get(name) is not null;

    public string? Get(string name)
    {
        foreach (var (key, value) in Query)
        {
            if (key == name)
                return value;
        }
        return null;
    }

    /// <param name="virtualHostSuffix">".s3.example.com" when buckets may be addressed as host names; null for path-style only.</param>
    public static S3Request Parse(HttpRequest request, string? virtualHostSuffix)
    {
        var query = SigV4Encoding.ParseQuery(SigV4Verifier.RawQuery(request));
        var path = SigV4Encoding.Decode(SigV4Verifier.RawPath(request));
        if (path.StartsWith('/'))
            path = path[1..];

        var host = request.Host.Host;
        if (virtualHostSuffix is not null && host.Length > virtualHostSuffix.Length
            && host.EndsWith(virtualHostSuffix, StringComparison.OrdinalIgnoreCase))
            return new S3Request(host[..^virtualHostSuffix.Length], path, query, virtualHosted: true);

        var slash = path.IndexOf('/');
        return slash < 0
            ? new S3Request(path, "", query)
            : new S3Request(path[..slash], path[(slash + 1)..], query);
    }
}
