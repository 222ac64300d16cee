using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.S3.Checksums;

/// <summary>
/// Which additional checksum a request carries (a <c>x-amz-checksum-ALGO</c> header, or announced
/// in <c>x-amz-trailer</c> for the trailer of an aws-chunked body) and how to compute it.
/// Algorithms we cannot compute (CRC64NVME) are left to the payload signature and Content-MD5.
/// </summary>
internal static class ChecksumAlgorithms
{
    public const string HeaderPrefix = "x-amz-checksum-";

    public static IObjectChecksum? Create(string algorithm) => algorithm switch
    {
        "crc32" => new Crc32Hash(Crc32Hash.IsoTable),
        "crc32c" => new Crc32Hash(Crc32Hash.CastagnoliTable),
        "sha1" => new DigestChecksum(HashAlgorithmName.SHA1),
        "sha256" => new DigestChecksum(HashAlgorithmName.SHA256),
        _ => null,
    };

    /// <summary>The header name (<c>x-amz-checksum-crc32</c>…) whose value the body must match, from the headers or the announced trailer.</summary>
    public static string? Requested(IHeaderDictionary headers)
    {
        var trailer = headers["x-amz-trailer"].ToString().Trim().ToLowerInvariant();
        if (trailer.StartsWith(HeaderPrefix, StringComparison.Ordinal))
            return trailer;
        foreach (var name in (string[])["crc32", "crc32c", "sha1", "sha256"])
        {
            if (headers.ContainsKey(HeaderPrefix + name))
                return HeaderPrefix + name;
        }
        return null;
    }
}
