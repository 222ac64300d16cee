using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Compute.Servers;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Consoles;

/// <summary>
/// Nova's serial console API: <c>POST /servers/{id}/remote-consoles</c> (2.6+, protocol and type <c>serial</c>) and
/// the 2.1 action <c>os-getSerialConsole</c>. Both answer a <c>ws://</c> (<c>wss://</c> under https) URL of
/// <see cref="SerialConsoleProxy"/> carrying a one-time token.
/// </summary>
internal static class RemoteConsoleEndpoints
{
    public static void Map(IEndpointRouteBuilder v21) => v21.MapPost("/servers/{id}/remote-consoles", CreateAsync);

    private static async Task<IResult> CreateAsync(string id, HttpContext context, ServerStore servers, ConsoleTokenStore tokens, CloudBoxOptions options,
        PolicyEngine policy, CancellationToken cancellationToken)
    {
        if (!Microversions.AtLeast(context, 6))
            throw ApiFault.NotFound("The resource could not be found.");
        var caller = context.Authorize(policy, "compute:servers:action");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        if (body["remote_console"] is not JsonObject console)
            throw ApiFault.BadRequest("Invalid input for field/attribute remote_console. Value: missing.");
        var protocol = console["protocol"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? console["protocol"]!.GetValue<string>() : null;
        var type = console["type"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? console["type"]!.GetValue<string>() : null;
        if (protocol is not ("vnc" or "spice" or "serial" or "rdp" or "mks"))
            throw ApiFault.BadRequest($"Invalid input for field/attribute protocol. Value: {protocol}.");
        if (protocol != "serial" || type != "serial")
            throw ApiFault.BadRequest("Unavailable console type: this cloud offers serial consoles only (protocol and type 'serial').");
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        var url = await IssueAsync(server, context, tokens, options, cancellationToken);
        return Results.Json(new RemoteConsoleResponse(new RemoteConsole("serial", "serial", url)), ConsoleJsonContext.Default.RemoteConsoleResponse);
    }

    /// <summary>The <c>os-getSerialConsole</c> server action.</summary>
    public static async Task<IResult> LegacyActionAsync(ServerRecord server, JsonObject? argument, HttpContext context, ConsoleTokenStore tokens, CloudBoxOptions options,
        CancellationToken cancellationToken)
    {
        var type = argument?["type"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? argument["type"]!.GetValue<string>() : null;
        if (type != "serial")
            throw ApiFault.BadRequest($"Invalid input for field/attribute type. Value: {type}. 'serial' is the only console type.");
        var url = await IssueAsync(server, context, tokens, options, cancellationToken);
        return Results.Json(new LegacyConsoleResponse(new LegacyConsole("serial", url)), ConsoleJsonContext.Default.LegacyConsoleResponse);
    }

    private static async Task<string> IssueAsync(ServerRecord server, HttpContext context, ConsoleTokenStore tokens, CloudBoxOptions options, CancellationToken cancellationToken)
    {
        if (server.VmState != ServerStates.Active)
            throw ApiFault.Conflict($"Instance {server.Id} is not ready: its serial console is available while it is active (it is {server.VmState}).");
        var token = await tokens.IssueAsync(server.Id, cancellationToken);
        var publicBase = string.IsNullOrEmpty(options.PublicUrl) ? $"{context.Request.Scheme}://{context.Request.Host}" : options.PublicUrl.TrimEnd('/');
        var wsBase = publicBase.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "wss://" + publicBase[8..]
            : publicBase.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "ws://" + publicBase[7..] : publicBase;
        return $"{wsBase}/compute/serial-console?token={token}";
    }
}
