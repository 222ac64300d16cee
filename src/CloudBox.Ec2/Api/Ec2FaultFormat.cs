using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Ec2.Api;

/// <summary>Faults under the module's path on the main port, in EC2's error document.</summary>
internal sealed class Ec2FaultFormat : IFaultFormat
{
    public static readonly Ec2FaultFormat Instance = new();

    public Task WriteAsync(HttpContext context, ApiFault fault)
    {
        var code = fault.StatusCode switch
        {
            401 => "AuthFailure",
            403 => "UnauthorizedOperation",
            404 => "InvalidAction",
            _ => "InvalidParameterValue",
        };
        return Ec2ErrorWriter.WriteAsync(context, new Ec2Error(fault.StatusCode, code, fault.Message), context.TraceIdentifier);
    }
}
