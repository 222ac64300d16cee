namespace CloudBox.Core.Api.Aws;

/// <summary>What a SigV4 request claims about its signing, read from the Authorization header or the presigned query.</summary>
public sealed record SignedRequest(
    string AccessKey,
    string AmzDate,
    string ScopeDate,
    string Region,
    string Service,
    IReadOnlyList<string> SignedHeaders,
    string Signature,
    string PayloadHash,
    bool Presigned)
{
    public string Scope => $"{ScopeDate}/{Region}/{Service}/aws4_request";

    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public const string StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    public const string StreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    public const string StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

    /// <summary>An aws-chunked body whose chunks are signed.</summary>
    public bool IsStreaming => PayloadHash is StreamingPayload or StreamingPayloadTrailer;

    /// <summary>An aws-chunked body whose chunks are not signed (the trailer carries a checksum).</summary>
    public bool IsUnsignedStreaming => PayloadHash == StreamingUnsignedTrailer;

    /// <summary>True when the header names a SHA-256 the body must be checked against.</summary>
    public bool HasPayloadDigest => PayloadHash.Length == 64;
}
