namespace CloudBox.Objects.S3.Auth;

/// <summary>What a SigV4 request claims about its signing, read from the Authorization header or the presigned query.</summary>
internal sealed record SignedRequest(
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

    public bool IsStreaming => PayloadHash == StreamingPayload;

    /// <summary>True when the header names a SHA-256 the body must be checked against.</summary>
    public bool HasPayloadDigest => PayloadHash.Length == 64;
}
