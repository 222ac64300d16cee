namespace CloudBox.Core.Api.Aws;

/// <summary>
/// What a SigV4 credential scope must name to be accepted here: the signed service (<c>s3</c>,
/// <c>ec2</c>) and this cloud's region (a signature for another region is refused, as AWS does).
/// </summary>
public sealed record SigV4Scope(string Service, string Region);
