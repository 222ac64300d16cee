using System.Security.Cryptography;

namespace CloudBox.Objects.S3.Checksums;

/// <summary>SHA-1 or SHA-256 as an S3 additional checksum.</summary>
internal sealed class DigestChecksum(HashAlgorithmName algorithm) : IObjectChecksum
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(algorithm);

    public void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

    public string Base64() => Convert.ToBase64String(_hash.GetCurrentHash());

    public void Dispose() => _hash.Dispose();
}
