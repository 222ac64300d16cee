namespace CloudBox.Objects.S3;

/// <summary>An S3 error: its code (<c>NoSuchKey</c>, <c>SignatureDoesNotMatch</c>…), HTTP status and message, answered as S3's XML error body.</summary>
internal sealed class S3Error(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;

    /// <summary>Extra elements of the error body (e.g. <c>BucketName</c>, <c>Key</c>, <c>StringToSign</c>).</summary>
    public List<KeyValuePair<string, string>> Details { get; } = [];

    public S3Error With(string element, string value)
    {
        Details.Add(new(element, value));
        return this;
    }

    public static S3Error AccessDenied(string message = "Access Denied") => new(403, "AccessDenied", message);
    public static S3Error SignatureDoesNotMatch() =>
        new(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
    public static S3Error InvalidAccessKeyId() => new(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
    public static S3Error NoSuchBucket(string bucket) => new S3Error(404, "NoSuchBucket", "The specified bucket does not exist").With("BucketName", bucket);
    public static S3Error NoSuchKey(string key) => new S3Error(404, "NoSuchKey", "The specified key does not exist.").With("Key", key);
    public static S3Error NoSuchUpload(string uploadId) =>
        new S3Error(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").With("UploadId", uploadId);
    public static S3Error InvalidArgument(string message) => new(400, "InvalidArgument", message);
    public static S3Error InvalidRequest(string message) => new(400, "InvalidRequest", message);
    public static S3Error AuthorizationQueryParametersError(string message) => new(400, "AuthorizationQueryParametersError", message);
    public static S3Error MalformedXml() => new(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.");
    public static S3Error NotImplemented(string message = "A header or query you provided implies functionality that is not implemented.") => new(501, "NotImplemented", message);
    public static S3Error MethodNotAllowed() => new(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
}
