using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;

namespace CloudBox.Compute.ServerGroups;

/// <summary>
/// The scheduler hints of a server create, beside <c>server</c> in the body as
/// <c>os:scheduler_hints</c> (or the older <c>OS-SCH-HNT:scheduler_hints</c>). The one hint that
/// means something on this cloud is <c>group</c>: the server group the new servers join.
/// </summary>
public static class SchedulerHints
{
    public static async Task<ServerGroupRecord?> GroupAsync(JsonObject request, CallerContext caller, ServerGroupStore groups, CancellationToken cancellationToken)
    {
        var hints = request["os:scheduler_hints"] ?? request["OS-SCH-HNT:scheduler_hints"];
        if (hints is null)
            return null;
        if (hints is not JsonObject map)
            throw ApiFault.BadRequest("Invalid input for field/attribute os:scheduler_hints. It is not of type 'object'");
        var value = map["group"];
        // novaclient sends a hint given once as a string; a list of one is accepted as Nova does.
        if (value is JsonArray { Count: 1 } single)
            value = single[0];
        if (value is null)
            return null;
        if (value is not JsonValue text || text.GetValueKind() != JsonValueKind.String || !Guid.TryParse(text.GetValue<string>(), out _))
            throw ApiFault.BadRequest($"Invalid input for field/attribute group. Value: {value.ToJsonString()}. It is not a server group id (a UUID).");
        var id = text.GetValue<string>();
        var group = await groups.FindAsync(id, cancellationToken);
        if (group is null || (group.ProjectId != caller.ProjectId && !caller.HasRole("admin")))
            throw ApiFault.BadRequest($"Instance group {id} could not be found.");
        return group;
    }
}
