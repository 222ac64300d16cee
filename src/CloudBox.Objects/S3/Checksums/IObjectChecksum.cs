namespace CloudBox.Objects.S3.Checksums;

/// <summary>One of S3's additional checksums (x-amz-checksum-*), computed incrementally over a body.</summary>
internal interface IObjectChecksum : IDisposable
{
    void Append(ReadOnlySpan<byte> data);

    /// <summary>The checksum as S3 spells it: base64 of the big-endian digest.</summary>
    string Base64();
}
