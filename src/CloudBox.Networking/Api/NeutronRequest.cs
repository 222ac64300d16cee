using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Networking.Data;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Networking.Api;

/// <summary>Authorisation and body reading every Neutron handler shares.</summary>
public static class NeutronRequest
{
    public static bool IsAdmin(this CallerContext caller) => caller.HasRole("admin");

    /// <summary>
    /// Checks <paramref name="action"/> against a resource owned by <paramref name="projectId"/>,
    /// and <c>action:attribute</c> for each protected attribute the request sets; 403 in Neutron's words otherwise.
    /// </summary>
    public static CallerContext Authorize(this HttpContext context, PolicyEngine policy, string action, string? projectId, JsonObject? request = null)
    {
        var caller = context.RequireCaller();
        var target = new PolicyTarget().Set("target.project_id", projectId).Set("target.tenant_id", projectId);
        if (!policy.IsAllowed(action, caller, target))
            throw NeutronFault.PolicyNotAuthorized($"rule:{action}");
        if (request is not null && NetworkPolicies.ProtectedAttributes.TryGetValue(action, out var attributes))
        {
            foreach (var attribute in attributes)
            {
                if (!IsSet(request, attribute))
                    continue;
                if (!policy.IsAllowed($"{action}:{attribute}", caller, target))
                    throw NeutronFault.PolicyNotAuthorized($"rule:{action} and rule:{action}:{attribute}");
            }
        }
        return caller;
    }

    /// <summary>The project a new resource belongs to: the caller's, unless an admin names another.</summary>
    public static string OwnerOf(CallerContext caller, JsonObject body)
    {
        var named = body.OptionalString("project_id") ?? body.OptionalString("tenant_id");
        if (named is not null && named != caller.ProjectId && !caller.IsAdmin())
            throw NeutronFault.PolicyNotAuthorized("rule:context_is_admin");
        return named ?? caller.ProjectId ?? throw ApiFault.Unauthorized("A project-scoped token is required.");
    }

    /// <summary>Reads <c>{"member": {…}}</c>; 400 when the envelope is missing.</summary>
    public static async Task<JsonObject> ReadAsync(HttpRequest request, string member, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(request, cancellationToken);
        return body[member] as JsonObject
            ?? throw new NeutronFault(400, "HTTPBadRequest", $"Resource body required: '{member}' must be an object.");
    }

    /// <summary>True when the caller may see a resource of <paramref name="projectId"/>.</summary>
    public static bool CanSee(this CallerContext caller, string? projectId) => caller.IsAdmin() || projectId == caller.ProjectId;

    /// <summary>The resource if the caller's project owns it (or the caller is an admin); Neutron's 404 otherwise, so others' resources do not leak.</summary>
    public static async Task<JsonObject> FindOwnedAsync(
        this HttpContext context, ResourceStore store, ResourceType type, string resource, string id, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var found = await store.FindAsync(type, id, cancellationToken);
        if (found is null || !caller.CanSee(ProjectOf(found)))
            throw NeutronFault.NotFound(resource, id);
        return found;
    }

    public static string ProjectOf(JsonObject resource) => resource["project_id"]?.GetValue<string>() ?? "";

    public static string Id(JsonObject resource) => resource["id"]!.GetValue<string>();

    /// <summary>Copies the updatable attributes present in <paramref name="update"/> into <paramref name="resource"/>.</summary>
    public static void Apply(JsonObject resource, JsonObject update, params string[] updatable)
    {
        foreach (var (name, value) in update)
        {
            if (Array.IndexOf(updatable, name) >= 0)
                resource[name] = value?.DeepClone();
        }
    }

    /// <summary>Rejects attributes the client may not change, as Neutron does ("Cannot update read-only attribute").</summary>
    public static void RejectUnknown(JsonObject update, params string[] updatable)
    {
        foreach (var (name, _) in update)
        {
            if (Array.IndexOf(updatable, name) < 0 && name is not ("id" or "project_id" or "tenant_id"))
                throw new NeutronFault(400, "HTTPBadRequest", $"Cannot update read-only attribute {name}");
        }
    }

    /// <summary>Nested names (<c>external_gateway_info:external_fixed_ips</c>) look one level down.</summary>
    private static bool IsSet(JsonObject request, string attribute)
    {
        var colon = attribute.IndexOf(':');
        if (colon > 0 && request[attribute[..colon]] is JsonObject nested && !request.ContainsKey(attribute))
            return nested.ContainsKey(attribute[(colon + 1)..]) && nested[attribute[(colon + 1)..]] is not null;
        return request[attribute] is { } value && !IsFalse(value);
    }

    /// <summary>An explicit <c>false</c> is the default of every protected flag, so setting it needs no privilege.</summary>
    private static bool IsFalse(JsonNode value) => value.GetValueKind() == System.Text.Json.JsonValueKind.False;
}
