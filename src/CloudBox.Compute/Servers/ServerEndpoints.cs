using System.Globalization;
using System.Text.RegularExpressions;
using CloudBox.Compute.Api;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Paging;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Servers;

/// <summary><c>/servers</c>: list, detail (with filters and <c>changes-since</c>), show, update and delete.</summary>
public static class ServerEndpoints
{
    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/servers", (HttpContext c, ServerStore s, ServerBodies b, PolicyEngine p, CancellationToken t) => ListAsync(c, s, b, p, false, t));
        v21.MapGet("/servers/detail", (HttpContext c, ServerStore s, ServerBodies b, PolicyEngine p, CancellationToken t) => ListAsync(c, s, b, p, true, t));
        v21.MapGet("/servers/{id}", GetAsync);
        v21.MapPut("/servers/{id}", UpdateAsync);
        v21.MapDelete("/servers/{id}", DeleteAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext context, ServerStore servers, ServerBodies bodies, PolicyEngine policy, bool detail,
        CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:index");
        var request = context.Request;
        // Nova's schema: an unknown sort key or direction is a 400; the list is sorted and paged in SQL.
        var sortKeys = SortQuery.Parse(request, ServerSort.ValidKeys, message => ApiFault.BadRequest($"Invalid input for query parameters: {message}"));
        var admin = ServerAccess.IsAdmin(caller);
        var pageRequest = PageRequest.FromQuery(request, MaxLimit, MaxLimit);
        var where = new List<string>();
        var parameters = new DynamicParameters();

        var allTenants = request.QueryBool("all_tenants") == true;
        if (allTenants)
            context.Authorize(policy, "compute:servers:all_tenants");
        var project = admin ? request.Query("project_id") ?? request.Query("tenant_id") : null;
        if (!allTenants || project is not null)
        {
            where.Add("project_id = @project");
            parameters.Add("project", allTenants ? project : caller.ProjectId ?? "");
        }

        var changesSince = request.Query("changes-since");
        var deleted = admin ? request.QueryBool("deleted") : null;
        if (changesSince is not null)
        {
            if (!DateTimeOffset.TryParse(changesSince, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var since))
                throw ApiFault.BadRequest($"Invalid input for query parameters changes-since. Value: {changesSince}. It is not a valid date-time.");
            where.Add("updated_at >= @since");
            parameters.Add("since", Timestamps.ToStorage(since));
            if (deleted is not null)
            {
                where.Add("deleted = @deleted");
                parameters.Add("deleted", deleted.Value);
            }
        }
        else
        {
            where.Add("deleted = @deleted");
            parameters.Add("deleted", deleted ?? false);
        }

        if (request.Query("status") is { } status)
        {
            var states = ServerStates.VmStatesFor(status);
            if (states.Length == 0)
                return await bodies.ListAsync(context, [], detail, admin, null, cancellationToken);
            where.Add(servers.Database.InList("vm_state", "states"));
            parameters.Add("states", states);
        }
        if (request.Query("image") is { } image)
        {
            where.Add("image_id = @image");
            parameters.Add("image", ServerImages.LastSegment(image));
        }
        if (request.Query("flavor") is { } flavor)
        {
            where.Add("flavor_id = @flavor");
            parameters.Add("flavor", ServerImages.LastSegment(flavor));
        }
        if (admin && request.Query("host") is { } host)
        {
            where.Add("host = @host");
            parameters.Add("host", host);
        }
        if (admin && request.Query("locked") is { } locked)
        {
            where.Add("locked = @locked");
            parameters.Add("locked", request.QueryBool("locked") == true);
        }

        Func<ServerRecord, bool>? keep = null;
        if (request.Query("name") is { } name)
        {
            if (LikePattern(name) is { } like)
            {
                // The common cases (a dashboard's or a person's filter, a client's ^exact$ look-up): matched in SQL.
                where.Add("LOWER(name) LIKE @name ESCAPE '!'");
                parameters.Add("name", like);
            }
            else
            {
                Regex pattern;
                try
                {
                    pattern = new Regex(name, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
                }
                catch (ArgumentException)
                {
                    throw ApiFault.BadRequest($"Invalid name filter: '{name}' is not a regular expression.");
                }
                keep = And(keep, s => pattern.IsMatch(s.Name));
            }
        }
        if (request.Query("tags") is { } allTags)
        {
            var wanted = allTags.Split(',', StringSplitOptions.RemoveEmptyEntries);
            keep = And(keep, s => wanted.All(ServerTags.Read(s).Contains));
        }
        if (request.Query("tags-any") is { } anyTags)
        {
            var wanted = anyTags.Split(',', StringSplitOptions.RemoveEmptyEntries);
            keep = And(keep, s => wanted.Any(ServerTags.Read(s).Contains));
        }
        if (request.Query("not-tags") is { } notTags)
        {
            var unwanted = notTags.Split(',', StringSplitOptions.RemoveEmptyEntries);
            keep = And(keep, s => !unwanted.All(ServerTags.Read(s).Contains));
        }

        // Nova looks the marker up as the caller may see it, deleted or not; one it cannot find is the client's mistake.
        if (pageRequest.Marker is { } marker && await servers.FindProjectAsync(marker, cancellationToken) is var owner
            && (owner is null || (!admin && owner != caller.ProjectId)))
            throw ApiFault.BadRequest($"marker [{marker}] not found");
        var page = await servers.ListPageAsync(string.Join(" AND ", where), parameters, ServerSort.For(sortKeys, admin), pageRequest.Limit,
            pageRequest.Marker, keep, cancellationToken);
        return await bodies.ListAsync(context, page, detail, admin, NextHref(context, detail, page, pageRequest.Limit), cancellationToken);
    }

    /// <summary>Nova's <c>[api] max_limit</c>: the most servers one page holds, asked for or not.</summary>
    private const int MaxLimit = 1000;

    /// <summary>
    /// The case-insensitive LIKE pattern matching what the regular expression <paramref name="name"/> matches, when it is
    /// ASCII text, optionally anchored by <c>^</c> and <c>$</c>; null when only a regular expression engine can tell.
    /// </summary>
    private static string? LikePattern(string name)
    {
        var start = name.StartsWith('^');
        var end = name.Length > (start ? 1 : 0) && name.EndsWith('$');
        var text = name[(start ? 1 : 0)..(name.Length - (end ? 1 : 0))];
        if (!text.All(c => char.IsAscii(c) && @"\.^$|?*+()[]{}".IndexOf(c, StringComparison.Ordinal) < 0))
            return null;
        return (start ? "" : "%") + text.ToLowerInvariant().Replace("!", "!!").Replace("%", "!%").Replace("_", "!_") + (end ? "" : "%");
    }

    private static Func<ServerRecord, bool> And(Func<ServerRecord, bool>? first, Func<ServerRecord, bool> second) =>
        first is null ? second : s => first(s) && second(s);

    /// <summary>The <c>next</c> link of a full page: the same query with the page's last server as marker.</summary>
    private static string? NextHref(HttpContext context, bool detail, IReadOnlyList<ServerRecord> page, int limit)
    {
        if (page.Count == 0 || page.Count < limit)
            return null;
        var query = System.Web.HttpUtility.ParseQueryString(context.Request.QueryString.Value ?? "");
        query["marker"] = page[^1].Id;
        return $"{ComputeLinks.Versioned(context)}/servers{(detail ? "/detail" : "")}?{query}";
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ServerStore servers, ServerBodies bodies, PolicyEngine policy,
        CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:show");
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        return await bodies.OneAsync(context, server, ServerAccess.IsAdmin(caller), cancellationToken);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, ServerStore servers, ServerBodies bodies, PolicyEngine policy, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:update");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("server");
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        foreach (var (key, _) in body)
        {
            if (key is not ("name" or "accessIPv4" or "accessIPv6" or "OS-DCF:diskConfig") && !(key == "description" && Microversions.AtLeast(context, 19)))
                throw ApiFault.BadRequest($"Additional properties are not allowed ('{key}' was unexpected)");
        }
        if (body.Has("name"))
            server.Name = body.RequireString("name").Trim();
        server.AccessIpv4 = body.OptionalString("accessIPv4") ?? server.AccessIpv4;
        server.AccessIpv6 = body.OptionalString("accessIPv6") ?? server.AccessIpv6;
        if (body.Has("description"))
            server.Description = body.OptionalString("description");
        server.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        await servers.UpdateFieldsAsync(id, "name = @Name, access_ipv4 = @AccessIpv4, access_ipv6 = @AccessIpv6, description = @Description, updated_at = @UpdatedAt", server, cancellationToken);
        return await bodies.OneAsync(context, server, ServerAccess.IsAdmin(caller), cancellationToken);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, ServerStore servers, ServerDeleter deleter, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:delete");
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        ServerAccess.CheckNotLocked(server, caller);
        // Finish even if the client hangs up: a half-deleted server is worse than a late answer.
        await deleter.DeleteAsync(server, CancellationToken.None);
        return Results.NoContent();
    }
}
