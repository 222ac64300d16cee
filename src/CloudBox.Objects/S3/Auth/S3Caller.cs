using CloudBox.Core.Api.Aws;
using CloudBox.Core.Api.Auth;

namespace CloudBox.Objects.S3.Auth;

/// <summary>An authenticated S3 request: who it acts as (user, project, roles) and how it was signed (for chunked bodies).</summary>
internal sealed record S3Caller(CallerContext Context, SignedRequest Signed, byte[] SigningKey)
{
    public string ProjectId => Context.ProjectId!;

    /// <summary>Holders of only the reader role may look but not change.</summary>
    public bool CanWrite => Context.Roles.Any(r => !string.Equals(r.Name, "reader", StringComparison.OrdinalIgnoreCase));
}
