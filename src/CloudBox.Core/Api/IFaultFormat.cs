using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api;

/// <summary>How one service spells its errors on the wire (Keystone JSON, Nova JSON, Neutron JSON, Swift text, S3 XML…).</summary>
public interface IFaultFormat
{
    /// <summary>Writes status, headers and body of <paramref name="fault"/>; the response has not started.</summary>
    Task WriteAsync(HttpContext context, ApiFault fault);
}
