using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>DescribeInstances, DescribeInstanceStatus, the power actions, TerminateInstances and GetConsoleOutput.</summary>
internal static class InstanceActions
{
    public static async Task<byte[]> DescribeInstancesAsync(Ec2Context context)
    {
        var request = context.Request;
        var ids = request.List("InstanceId");
        var filters = request.Filters();
        TagFilters.Check(filters, InstanceData.FilterNames);
        var maxResults = request.Int("MaxResults", 1000, 5, 1000);
        if (ids.Count > 0 && request.Get("MaxResults") is not null)
            throw Ec2Error.InvalidParameterCombination("The parameter instancesSet cannot be used with the parameter maxResults");
        List<NovaServer> servers;
        string? next = null;
        Task<Dictionary<string, string>>? flavors = null;
        Task<NetworkView>? network = null;
        if (ids.Count > 0)
        {
            servers = [];
            foreach (var id in ids)
                servers.Add(NovaServer.From(await InstanceLoader.ServerAsync(context, id)));
        }
        else
        {
            // A page of servers, the flavors and the network do not depend on each other: read together.
            var page = PageAsync(context, maxResults, request.Get("NextToken"));
            flavors = InstanceLoader.FlavorNamesAsync(context);
            network = NetworkView.LoadAsync(context);
            await Task.WhenAll(page, flavors, network);
            (servers, next) = await page;
        }
        var instances = (await InstanceLoader.LoadAsync(context, servers, flavors, network)).Where(i => TagFilters.Passes(filters, i.Tags, i.Field)).ToList();
        using var xml = context.Response();
        xml.Start("reservationSet");
        InstanceLoader.WriteReservations(xml, instances);
        xml.End();
        xml.Element("nextToken", next);
        return xml.ToBytes();
    }

    /// <summary>One page of the project's servers after the marker in <paramref name="nextToken"/>; the next token when more follow.</summary>
    private static async Task<(List<NovaServer> Servers, string? Next)> PageAsync(Ec2Context context, int limit, string? nextToken)
    {
        var marker = "";
        if (nextToken is not null)
        {
            if (!Guid.TryParse(nextToken, out _))
                throw Ec2Error.InvalidParameterValue($"Invalid NextToken: {nextToken}");
            marker = "&marker=" + nextToken;
        }
        if (context.Services.Servers is { } directory)
        {
            // Compute in process: its page as records, without rendering and parsing back Nova's JSON.
            var listed = await directory.ListAsync(context.ProjectId, limit, nextToken, context.Aborted)
                         ?? throw Ec2Error.InvalidParameterValue($"Invalid NextToken: {nextToken}");
            var page = new List<NovaServer>(listed.Count);
            foreach (var server in listed)
                page.Add(NovaServer.From(server));
            return (page, page.Count >= limit ? page[^1].Id : null);
        }
        NovaServerList body;
        try
        {
            body = await context.Os.GetAsync($"{OsClient.Nova}/servers/detail?limit={limit}{marker}", Ec2JsonContext.Default.NovaServerList, context.Aborted,
                InstanceLoader.Microversion);
        }
        catch (OsFault fault) when (fault.Status is 400 or 404 && nextToken is not null)
        {
            throw Ec2Error.InvalidParameterValue($"Invalid NextToken: {nextToken}");
        }
        // A full page may have more after it (Nova also caps the page); the last page is shorter.
        var servers = body.Servers ?? [];
        return (servers, servers.Count >= limit && servers.Count > 0 ? servers[^1].Id : null);
    }

    public static async Task<byte[]> DescribeInstanceStatusAsync(Ec2Context context)
    {
        var request = context.Request;
        var ids = request.List("InstanceId");
        var filters = request.Filters();
        TagFilters.Check(filters, "instance-state-name", "instance-state-code", "availability-zone", "instance-status.status", "system-status.status");
        var includeAll = request.Bool("IncludeAllInstances") ?? false;
        List<NovaServer> servers;
        string? next = null;
        if (ids.Count > 0)
        {
            servers = [];
            foreach (var id in ids)
                servers.Add(NovaServer.From(await InstanceLoader.ServerAsync(context, id)));
        }
        else
        {
            (servers, next) = await PageAsync(context, request.Int("MaxResults", 1000, 5, 1000), request.Get("NextToken"));
        }
        var instanceIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Instance, servers.Select(s => s.Id).ToList(), context.Aborted);
        using var xml = context.Response();
        xml.Start("instanceStatusSet");
        foreach (var server in servers)
        {
            var state = InstanceState.Of(server.Status, server.VmState, server.TaskState);
            if (!includeAll && state != InstanceState.Running)
                continue;
            var status = server.Status == "ERROR" ? "impaired" : state == InstanceState.Running ? "ok" : "not-applicable";
            var zone = server.AvailabilityZone ?? "nova";
            if (!TagFilters.Passes(filters, null, name => name switch
                {
                    "instance-state-name" => [state.Name],
                    "instance-state-code" => [state.Code.ToString(CultureInfo.InvariantCulture)],
                    "availability-zone" => [zone],
                    _ => [status],
                }))
                continue;
            xml.Start("item")
                .Element("instanceId", instanceIds[server.Id])
                .Element("availabilityZone", zone)
                .Start("instanceState").Element("code", state.Code).Element("name", state.Name).End()
                .Start("systemStatus").Element("status", status).Start("details").Start("item").Element("name", "reachability").Element("status", status == "ok" ? "passed" : "failed").End().End().End()
                .Start("instanceStatus").Element("status", status).Start("details").Start("item").Element("name", "reachability").Element("status", status == "ok" ? "passed" : "failed").End().End().End()
                .Empty("eventsSet")
                .End();
        }
        xml.End();
        xml.Element("nextToken", next);
        return xml.ToBytes();
    }

    public static Task<byte[]> StartInstancesAsync(Ec2Context context) => PowerAsync(context, "instancesSet", new JsonObject { ["os-start"] = null }, InstanceState.Pending);

    public static Task<byte[]> StopInstancesAsync(Ec2Context context) => PowerAsync(context, "instancesSet", new JsonObject { ["os-stop"] = null }, InstanceState.Stopping);

    public static async Task<byte[]> RebootInstancesAsync(Ec2Context context)
    {
        foreach (var (id, server) in await ServersAsync(context))
            await ActAsync(context, id, server, new JsonObject { ["reboot"] = new JsonObject { ["type"] = "SOFT" } });
        using var xml = context.Response();
        xml.Element("return", true);
        return xml.ToBytes();
    }

    public static async Task<byte[]> TerminateInstancesAsync(Ec2Context context)
    {
        var servers = await ServersAsync(context);
        var states = new List<(string Id, InstanceState Previous)>();
        foreach (var (id, server) in servers)
        {
            var previous = StateOf(server);
            if (server.Flag("locked") == true)
                throw new Ec2Error(400, "OperationNotPermitted", $"The instance '{id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.");
            try
            {
                await context.Os.DeleteAsync($"{OsClient.Nova}/servers/{server.Str("id")}", context.Aborted);
            }
            catch (OsFault fault) when (fault.Status == 404)
            {
                // already gone
            }
            catch (OsFault fault) when (fault.Status == 409)
            {
                throw new Ec2Error(400, "OperationNotPermitted", $"The instance '{id}' may not be terminated: {fault.Message}");
            }
            states.Add((id, previous));
        }
        using var xml = context.Response();
        xml.Start("instancesSet");
        foreach (var (id, previous) in states)
            WriteChange(xml, id, InstanceState.ShuttingDown, previous);
        xml.End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> GetConsoleOutputAsync(Ec2Context context)
    {
        var id = context.Request.Require("InstanceId");
        var server = await InstanceLoader.ServerAsync(context, id);
        string output;
        try
        {
            var body = await context.Os.PostAsync($"{OsClient.Nova}/servers/{server.Str("id")}/action",
                new JsonObject { ["os-getConsoleOutput"] = new JsonObject { ["length"] = 1000 } }, context.Aborted);
            output = body.Str("output") ?? "";
        }
        catch (OsFault fault) when (fault.Status == 409)
        {
            output = "";
        }
        using var xml = context.Response();
        xml.Element("instanceId", id)
            .Time("timestamp", context.Services.Clock.GetUtcNow())
            .Element("output", Convert.ToBase64String(Encoding.UTF8.GetBytes(output)));
        return xml.ToBytes();
    }

    private static async Task<byte[]> PowerAsync(Ec2Context context, string set, JsonObject action, InstanceState next)
    {
        var changes = new List<(string Id, InstanceState Previous)>();
        foreach (var (id, server) in await ServersAsync(context))
        {
            var previous = StateOf(server);
            // Starting a running instance or stopping a stopped one changes nothing, as in EC2.
            if ((next == InstanceState.Pending && previous == InstanceState.Running) || (next == InstanceState.Stopping && previous == InstanceState.Stopped))
            {
                changes.Add((id, previous));
                continue;
            }
            await ActAsync(context, id, server, action);
            changes.Add((id, previous));
        }
        using var xml = context.Response();
        xml.Start(set);
        foreach (var (id, previous) in changes)
        {
            var current = next == InstanceState.Pending && previous == InstanceState.Running ? previous
                : next == InstanceState.Stopping && previous == InstanceState.Stopped ? previous
                : next;
            WriteChange(xml, id, current, previous);
        }
        xml.End();
        return xml.ToBytes();
    }

    private static async Task ActAsync(Ec2Context context, string id, JsonNode server, JsonObject action)
    {
        try
        {
            await context.Os.PostAsync($"{OsClient.Nova}/servers/{server.Str("id")}/action", action, context.Aborted);
        }
        catch (OsFault fault) when (fault.Status == 409)
        {
            throw new Ec2Error(400, "IncorrectInstanceState", $"The instance '{id}' is not in a state from which it can be {action.First().Key.Replace("os-", "")}ed: {fault.Message}");
        }
    }

    private static async Task<List<(string Id, JsonNode Server)>> ServersAsync(Ec2Context context)
    {
        var ids = context.Request.List("InstanceId");
        if (ids.Count == 0)
            throw Ec2Error.MissingParameter("InstanceId");
        var servers = new List<(string, JsonNode)>(ids.Count);
        foreach (var id in ids)
            servers.Add((id, await InstanceLoader.ServerAsync(context, id)));
        return servers;
    }

    private static InstanceState StateOf(JsonNode server) =>
        InstanceState.Of(server.Str("status"), server.Str("OS-EXT-STS:vm_state"), server.Str("OS-EXT-STS:task_state"));

    private static void WriteChange(Ec2Xml xml, string id, InstanceState current, InstanceState previous) =>
        xml.Start("item").Element("instanceId", id)
            .Start("currentState").Element("code", current.Code).Element("name", current.Name).End()
            .Start("previousState").Element("code", previous.Code).Element("name", previous.Name).End()
            .End();
}
