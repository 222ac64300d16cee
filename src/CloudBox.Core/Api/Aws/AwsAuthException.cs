namespace CloudBox.Core.Api.Aws;

/// <summary>
/// A request whose AWS signature claims cannot be accepted, with the status and code S3 answers it
/// with (<c>AccessDenied</c>, <c>AuthorizationHeaderMalformed</c>, <c>RequestTimeTooSkewed</c>…).
/// Each AWS-style API translates it into its own error shape (S3's, EC2's).
/// </summary>
public sealed class AwsAuthException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    /// <summary>Extra facts for the error body (e.g. <c>RequestTime</c>, <c>Region</c>).</summary>
    public List<KeyValuePair<string, string>> Details { get; } = [];

    public AwsAuthException With(string element, string value)
    {
        Details.Add(new(element, value));
        return this;
    }

    /// <summary>True when the request was signed too far from our clock or after its presigned expiry.</summary>
    public bool IsExpiry => Code == "RequestTimeTooSkewed" || Message == "Request has expired";

    /// <summary>True when the credential scope names another region than ours.</summary>
    public bool IsWrongRegion => Details.Exists(d => d.Key == "Region");

    public static AwsAuthException AccessDenied(string message = "Access Denied") => new(403, "AccessDenied", message);
    public static AwsAuthException InvalidArgument(string message) => new(400, "InvalidArgument", message);
    public static AwsAuthException InvalidRequest(string message) => new(400, "InvalidRequest", message);
    public static AwsAuthException AuthorizationQueryParametersError(string message) => new(400, "AuthorizationQueryParametersError", message);
}
