using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Paging;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Flavors;

/// <summary><c>/flavors</c>: list, detail, show, create and delete (admins), with <c>minRam</c>/<c>minDisk</c>/<c>is_public</c> filters.</summary>
public static class FlavorEndpoints
{
    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/flavors", (HttpContext c, FlavorStore f, PolicyEngine p, CancellationToken t) => ListAsync(c, f, p, false, t));
        v21.MapGet("/flavors/detail", (HttpContext c, FlavorStore f, PolicyEngine p, CancellationToken t) => ListAsync(c, f, p, true, t));
        v21.MapGet("/flavors/{id}", GetAsync);
        v21.MapPost("/flavors", CreateAsync);
        v21.MapDelete("/flavors/{id}", DeleteAsync);
    }

    public static bool IsAdmin(CallerContext caller) => caller.HasRole("admin");

    /// <summary>The flavor if the caller may use it; 404 otherwise.</summary>
    public static async Task<FlavorRecord> FindUsableAsync(string id, CallerContext caller, FlavorStore flavors, CancellationToken cancellationToken)
    {
        var flavor = await flavors.FindAsync(id, cancellationToken);
        if (flavor is null || (!flavor.IsPublic && !IsAdmin(caller) && !await flavors.HasAccessAsync(id, caller.ProjectId, cancellationToken)))
            throw ApiFault.NotFound($"Flavor {id} could not be found.");
        return flavor;
    }

    private static async Task<IResult> ListAsync(HttpContext context, FlavorStore flavors, PolicyEngine policy, bool detail, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:flavors:list");
        var request = context.Request;
        var isPublic = request.Query("is_public");
        var admin = IsAdmin(caller);
        IEnumerable<FlavorRecord> list = await flavors.ListAsync(caller.ProjectId, admin, cancellationToken);
        if (admin)
        {
            // Nova: admins see public flavors by default, all with is_public=None, private ones with false.
            if (isPublic is null || isPublic.Equals("true", StringComparison.OrdinalIgnoreCase) || isPublic is "1" or "t" or "yes")
                list = list.Where(f => f.IsPublic);
            else if (!isPublic.Equals("none", StringComparison.OrdinalIgnoreCase))
                list = list.Where(f => !f.IsPublic);
        }
        if (request.Query("minRam") is { } minRam)
            list = list.Where(f => f.Ram >= ParseFilter("minRam", minRam));
        if (request.Query("minDisk") is { } minDisk)
            list = list.Where(f => f.Disk >= ParseFilter("minDisk", minDisk));
        var sortKey = request.Query("sort_key") ?? "flavorid";
        var descending = (request.Query("sort_dir") ?? "asc") == "desc";
        Func<FlavorRecord, IComparable> key = sortKey switch
        {
            "name" => f => f.Name,
            "memory_mb" or "ram" => f => f.Ram,
            "vcpus" => f => f.Vcpus,
            "root_gb" or "disk" => f => f.Disk,
            "created_at" => f => f.CreatedAt,
            "flavorid" or "id" => f => f.Id,
            _ => throw ApiFault.BadRequest($"Invalid sort_key {sortKey}."),
        };
        var ordered = (descending ? list.OrderByDescending(key) : list.OrderBy(key)).ThenBy(f => f.Id, StringComparer.Ordinal).ToList();
        var page = PageRequest.FromQuery(request).Apply(ordered, f => f.Id);
        var items = new JsonArray();
        foreach (var flavor in page)
            items.Add(detail ? FlavorJson.Detail(context, flavor) : FlavorJson.Summary(context, flavor));
        return JsonBody.Node(new JsonObject { ["flavors"] = items });
    }

    private static int ParseFilter(string name, string value) =>
        int.TryParse(value, out var number) ? number : throw ApiFault.BadRequest($"Invalid {name} filter [{value}]");

    private static async Task<IResult> GetAsync(string id, HttpContext context, FlavorStore flavors, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:flavors:list");
        var flavor = await FindUsableAsync(id, caller, flavors, cancellationToken);
        return JsonBody.Node(new JsonObject { ["flavor"] = FlavorJson.Detail(context, flavor) });
    }

    private static async Task<IResult> CreateAsync(HttpContext context, FlavorStore flavors, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:flavors:manage");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("flavor");
        var name = body.RequireString("name").Trim();
        var id = body["id"] is null ? null : body.OptionalString("id");
        if (string.IsNullOrWhiteSpace(id) || id == "auto")
            id = Identifiers.NewUuid();
        var flavor = new FlavorRecord
        {
            Id = id,
            Name = name,
            Ram = body.RequireInt("ram", 1),
            Vcpus = body.RequireInt("vcpus", 1),
            Disk = body.RequireInt("disk", 0),
            Ephemeral = body.OptionalInt("OS-FLV-EXT-DATA:ephemeral", 0) ?? 0,
            Swap = body.OptionalInt("swap", 0) ?? 0,
            IsPublic = body.OptionalBool("os-flavor-access:is_public") ?? true,
            Description = body.OptionalString("description", 65535),
            CreatedAt = Timestamps.ToStorage(clock.GetUtcNow()),
        };
        if (body["rxtx_factor"] is { } rxtx)
        {
            if (rxtx.GetValueKind() != JsonValueKind.Number || rxtx.GetValue<double>() <= 0)
                throw ApiFault.BadRequest("Invalid input for field/attribute rxtx_factor: must be a positive number.");
            flavor.RxtxFactor = rxtx.GetValue<double>();
        }
        if (!await flavors.InsertAsync(flavor, cancellationToken))
            throw ApiFault.Conflict($"Flavor with name {name} or ID {id} already exists.");
        return JsonBody.Node(new JsonObject { ["flavor"] = FlavorJson.Detail(context, flavor) });
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, FlavorStore flavors, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:flavors:manage");
        if (!await flavors.DeleteAsync(id, cancellationToken))
            throw ApiFault.NotFound($"Flavor {id} could not be found.");
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
