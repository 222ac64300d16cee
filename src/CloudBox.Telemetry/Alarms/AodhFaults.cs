using System.Text.Json;
using CloudBox.Core.Api;
using CloudBox.Telemetry.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Telemetry.Alarms;

/// <summary>
/// Aodh's routes live outside the module's <c>/metric</c> prefix, so the host's fault middleware
/// would answer their errors in its plain shape: this filter answers them in Aodh's
/// (<c>error_message.faultstring</c>, which aodhclient prints), and a body of the wrong shape
/// (a number where a string belongs) is a 400 there, not a 500.
/// </summary>
internal static class AodhFaults
{
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ApiFault fault)
        {
            return new FaultResult(fault);
        }
        catch (Exception error) when (error is InvalidOperationException or FormatException or JsonException or OverflowException or KeyNotFoundException)
        {
            return new FaultResult(ApiFault.BadRequest($"Invalid input: {error.Message}"));
        }
    }

    private sealed class FaultResult(ApiFault fault) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = fault.StatusCode;
            foreach (var (name, value) in fault.Headers)
                httpContext.Response.Headers[name] = value;
            await GnocchiFaultFormat.Instance.WriteAsync(httpContext, fault);
        }
    }
}
