using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Compute.Volumes;

/// <summary>
/// Fills <c>os-extended-volumes:volumes_attached</c> in server bodies (show, detail list, update,
/// rebuild): the server renderer writes the key empty, and this endpoint filter fills it for every
/// server of the response with one batched look-up of attachments, so the server handlers need not
/// know about volumes. From 2.3 each entry also carries <c>delete_on_termination</c>.
/// </summary>
public static class VolumesAttachedFilter
{
    private const string Key = "os-extended-volumes:volumes_attached";

    public static async ValueTask<object?> Fill(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var result = await next(invocation);
        var context = invocation.HttpContext;
        if (result is not ContentHttpResult { ResponseContent: { } text } content || !text.Contains(Key, StringComparison.Ordinal)
            || context.RequestServices.GetService<ServerVolumes>()?.Attachments is not { } seam)
            return result;
        var body = JsonNode.Parse(text)!.AsObject();
        var servers = body["server"] is JsonObject one ? [one] : (body["servers"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var ids = servers.Where(s => s.ContainsKey(Key)).Select(s => s["id"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        if (ids.Count == 0)
            return result;
        var attachments = await seam.ListForServersAsync(ids, context.RequestAborted);
        var withDeleteFlag = Microversions.AtLeast(context, 3);
        foreach (var server in servers.Where(s => s.ContainsKey(Key)))
        {
            var list = new JsonArray();
            foreach (var attachment in attachments.GetValueOrDefault(server["id"]!.GetValue<string>()) ?? [])
            {
                var entry = new JsonObject { ["id"] = attachment.VolumeId };
                if (withDeleteFlag)
                    entry["delete_on_termination"] = attachment.DeleteOnTermination;
                list.Add(entry);
            }
            server[Key] = list;
        }
        return JsonBody.Node(body, content.StatusCode ?? StatusCodes.Status200OK);
    }
}
