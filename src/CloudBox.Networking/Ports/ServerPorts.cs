using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Data;
using CloudBox.Core.Networking;
using CloudBox.Networking.Api;
using CloudBox.Networking.Data;
using CloudBox.Networking.DataPlane;
using CloudBox.Networking.FloatingIps;
using Dapper;

namespace CloudBox.Networking.Ports;

/// <summary>
/// Compute's side door to ports (<see cref="INetworkPorts"/>): makes or binds a server's ports in
/// one transaction, lists them for server bodies, follows the VM's power, and lets them go. Ports
/// made here carry a mark in <c>binding:profile</c> so that release deletes them but only unbinds
/// the ones the user brought (Nova's <c>preserve_on_delete</c>, kept where the port is).
/// </summary>
public sealed class ServerPorts(ResourceStore store, PortWriter writer, NetworkChanges changes, NetworkSettings settings, Core.Events.ICloudEvents events)
    : INetworkPorts
{
    private const string CreatedMark = "cloudbox_created_for_server";

    /// <summary>Only instance ports are matched by the cheap text filter before parsing (bodies are compact JSON).</summary>
    private const string ComputeOwnedFilter = "body LIKE '%\"device_owner\":\"compute:%'";

    public string? TapNamespace => settings.DataPlane ? settings.NetworkNamespace : null;

    public async Task<IReadOnlyList<ServerPort>> AllocateAsync(string serverId, string availabilityZone, IReadOnlyList<PortRequest> requests,
        IReadOnlyList<string> securityGroups, CallerContext caller, CancellationToken cancellationToken)
    {
        var projectId = caller.ProjectId ?? throw ApiFault.Forbidden("Ports for a server need a project-scoped token.");
        var admin = caller.IsAdmin();
        var bound = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            var wanted = requests.Count > 0 ? requests : [new PortRequest(await AutoNetworkAsync(connection, transaction, projectId), null, null)];
            var groupIds = securityGroups.Count == 0 || wanted.All(r => r.PortId is not null)
                ? null
                : await SecurityGroupIdsAsync(connection, transaction, securityGroups, projectId);
            var ports = new List<JsonObject>();
            foreach (var request in wanted)
            {
                try
                {
                    ports.Add(request.PortId is { } portId
                        ? await BindAsync(connection, transaction, portId, serverId, availabilityZone, projectId, admin)
                        : await CreateAsync(connection, transaction, request, groupIds, serverId, availabilityZone, projectId, admin));
                }
                catch (NeutronFault fault)
                {
                    throw AsComputeFault(fault, request);
                }
            }
            return ports;
        }, cancellationToken);
        changes.Changed();
        foreach (var port in bound)
            NetworkEvents.Publish(events, Core.Events.ResourceChange.Created, port, caller.UserId);
        var described = await DescribeAsync(bound, cancellationToken);
        return described.GetValueOrDefault(serverId) ?? [];
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ServerPort>>> ListForServersAsync(IReadOnlyCollection<string> serverIds,
        CancellationToken cancellationToken)
    {
        if (serverIds.Count == 0)
            return new Dictionary<string, IReadOnlyList<ServerPort>>();
        var wanted = serverIds as IReadOnlySet<string> ?? serverIds.ToHashSet(StringComparer.Ordinal);
        await using var connection = await store.Database.OpenAsync(cancellationToken);
        var ports = new List<JsonObject>();
        // A few servers (one server's show, a short page): let the database pick their rows by device_id text.
        var parameters = new DynamicParameters();
        var narrow = "";
        if (wanted.Count <= 20)
        {
            var patterns = wanted.Select((id, i) =>
            {
                parameters.Add("device" + i, $"%\"device_id\":\"{id}\"%");
                return "body LIKE @device" + i;
            });
            narrow = " AND (" + string.Join(" OR ", patterns) + ")";
        }
        foreach (var body in await connection.QueryAsync<string>(new CommandDefinition(
                     $"SELECT body FROM network_ports WHERE {ComputeOwnedFilter}{narrow} ORDER BY created_at, id", parameters,
                     cancellationToken: cancellationToken)))
        {
            // A cheap look at device_id first: most ports of a big cloud belong to servers not on this page.
            using (var document = JsonDocument.Parse(body))
            {
                if (!document.RootElement.TryGetProperty("device_id", out var device) || !wanted.Contains(device.GetString() ?? ""))
                    continue;
            }
            ports.Add(JsonNode.Parse(body)!.AsObject());
        }
        return await DescribeAsync(ports, cancellationToken);
    }

    public async Task ReleaseAsync(string serverId, CancellationToken cancellationToken)
    {
        if (!await HasPortsAsync(serverId, null, cancellationToken))
            return;
        var released = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            var ports = await LockedPortsOfAsync(connection, transaction, serverId);
            // The bindings as they were, for the events (unbound ports lose them below).
            var before = ports.Select(p => p.DeepClone().AsObject()).ToList();
            foreach (var port in ports)
                await ReleaseOneAsync(connection, transaction, port);
            return before;
        }, cancellationToken);
        if (released.Count > 0)
            changes.Changed();
        foreach (var port in released)
            NetworkEvents.Publish(events, Core.Events.ResourceChange.Deleted, port, null);
    }

    public async Task<bool> ReleasePortAsync(string serverId, string portId, CancellationToken cancellationToken)
    {
        var released = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            var port = (await LockedPortsOfAsync(connection, transaction, serverId)).FirstOrDefault(p => NeutronRequest.Id(p) == portId);
            if (port is null)
                return null;
            // The binding as it was, for the event (an unbound port loses it below).
            var before = port.DeepClone().AsObject();
            await ReleaseOneAsync(connection, transaction, port);
            return before;
        }, cancellationToken);
        if (released is null)
            return false;
        changes.Changed();
        NetworkEvents.Publish(events, Core.Events.ResourceChange.Deleted, released, null);
        return true;
    }

    /// <summary>A port made for the server goes (its floating IPs stay, unassociated); one the user gave is unbound and kept.</summary>
    private async Task ReleaseOneAsync(DbConnection connection, DbTransaction transaction, JsonObject port)
    {
        await IpAllocator.LockAsync(store.Database, connection, transaction, port["network_id"]!.GetValue<string>());
        if (port["binding:profile"] is JsonObject profile && profile.ContainsKey(CreatedMark))
        {
            await DisassociateFloatingIpsAsync(connection, transaction, NeutronRequest.Id(port));
            await writer.DeleteAsync(connection, transaction, port);
            return;
        }
        port["device_id"] = "";
        port["device_owner"] = "";
        port["binding:host_id"] = "";
        PortWriter.SetBinding(port);
        await store.UpdateAsync(connection, transaction, ResourceType.Port, port);
    }

    public async Task ChangeSecurityGroupAsync(string serverId, string projectId, string nameOrId, bool add, CancellationToken cancellationToken)
    {
        await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            JsonArray ids;
            try
            {
                ids = await SecurityGroupIdsAsync(connection, transaction, [nameOrId], projectId);
            }
            catch (ApiFault fault) when (fault.StatusCode == 400)
            {
                throw ApiFault.NotFound($"Security group {nameOrId} not found for project {projectId}.");
            }
            var groupId = ids[0]!.GetValue<string>();
            var ports = await LockedPortsOfAsync(connection, transaction, serverId);
            if (ports.Count == 0)
                throw ApiFault.BadRequest($"Server {serverId} has no ports to change the security groups of.");
            var changed = 0;
            foreach (var port in ports)
            {
                if (port["port_security_enabled"]?.GetValue<bool>() == false)
                    throw ApiFault.BadRequest($"Cannot change the security groups of port {NeutronRequest.Id(port)}: its port security is disabled.");
                if (port["security_groups"] is not JsonArray groups)
                    port["security_groups"] = groups = [];
                var index = groups.Select(g => g!.GetValue<string>()).ToList().IndexOf(groupId);
                if (add == index >= 0)
                    continue;
                if (add)
                    groups.Add(groupId);
                else
                    groups.RemoveAt(index);
                await store.UpdateAsync(connection, transaction, ResourceType.Port, port);
                changed++;
            }
            if (!add && changed == 0)
                throw ApiFault.BadRequest($"Security group {nameOrId} not in use on instance {serverId}.");
        }, cancellationToken);
        changes.Changed();
    }

    public async Task<IReadOnlyList<ServerSecurityGroup>> SecurityGroupsAsync(string projectId, string? serverId, CancellationToken cancellationToken)
    {
        await using var connection = await store.Database.OpenAsync(cancellationToken);
        var groups = await store.ListByProjectAsync(connection, null, ResourceType.SecurityGroup, projectId);
        if (serverId is not null)
        {
            var onServer = (await PortsOfAsync(connection, null, serverId)).SelectMany(p => p["security_groups"]?.AsArray() ?? [])
                .Select(g => g!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            groups = [.. groups.Where(g => onServer.Contains(NeutronRequest.Id(g)))];
        }
        var names = groups.ToDictionary(NeutronRequest.Id, g => g["name"]?.GetValue<string>() ?? "", StringComparer.Ordinal);
        var rules = (await store.ListByProjectAsync(connection, null, ResourceType.SecurityGroupRule, projectId))
            .Where(r => r["direction"]?.GetValue<string>() == "ingress")
            .ToLookup(r => r["security_group_id"]!.GetValue<string>());
        return [.. groups.Select(g => new ServerSecurityGroup(
            NeutronRequest.Id(g),
            g["name"]?.GetValue<string>() ?? "",
            g["description"]?.GetValue<string>() ?? "",
            projectId,
            [.. rules[NeutronRequest.Id(g)].Select(r => new ServerSecurityGroupRule(
                NeutronRequest.Id(r),
                r["protocol"]?.GetValue<string>(),
                r["port_range_min"]?.GetValue<int>(),
                r["port_range_max"]?.GetValue<int>(),
                r["remote_group_id"] is null ? r["remote_ip_prefix"]?.GetValue<string>() ?? (r["ethertype"]?.GetValue<string>() == "IPv6" ? "::/0" : "0.0.0.0/0") : null,
                r["remote_group_id"]?.GetValue<string>() is { } remote ? names.GetValueOrDefault(remote, remote) : null))]))];
    }

    public async Task SetActiveAsync(string serverId, bool active, CancellationToken cancellationToken)
    {
        var status = active ? "ACTIVE" : "DOWN";
        if (!await HasPortsAsync(serverId, status, cancellationToken))
            return;
        var changed = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            var changed = false;
            foreach (var port in await LockedPortsOfAsync(connection, transaction, serverId))
            {
                if (port["status"]?.GetValue<string>() == status)
                    continue;
                port["status"] = status;
                await store.UpdateAsync(connection, transaction, ResourceType.Port, port);
                changed = true;
            }
            return changed;
        }, cancellationToken);
        // A VMM that opened its tap before the data plane made it holds a fresh one: the next pass puts it on the bridge.
        if (changed)
            changes.Changed();
    }

    /// <summary>Nova's <c>auto</c>: the project's own network when it has exactly one, else the one shared network.</summary>
    private async Task<string> AutoNetworkAsync(DbConnection connection, DbTransaction transaction, string projectId)
    {
        var usable = (await store.ListAsync(connection, transaction, ResourceType.Network, null))
            .Where(n => n["router:external"]?.GetValue<bool>() != true && n["subnets"] is JsonArray { Count: > 0 })
            .ToList();
        var own = usable.Where(n => NeutronRequest.ProjectOf(n) == projectId).ToList();
        var candidates = own.Count > 0 ? own : usable.Where(n => n["shared"]?.GetValue<bool>() == true).ToList();
        return candidates.Count switch
        {
            1 => NeutronRequest.Id(candidates[0]),
            0 => throw ApiFault.BadRequest($"Unable to automatically allocate a network for project {projectId}"),
            _ => throw ApiFault.Conflict("Multiple possible networks found, use a Network ID to be more specific."),
        };
    }

    /// <summary>
    /// Nova's <c>security_groups</c> of a server create as Neutron group ids: each an id of one of the
    /// project's groups or the name of exactly one.
    /// </summary>
    private async Task<JsonArray> SecurityGroupIdsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> wanted, string projectId)
    {
        var groups = await store.ListByProjectAsync(connection, transaction, ResourceType.SecurityGroup, projectId);
        var ids = new JsonArray();
        foreach (var nameOrId in wanted)
        {
            var byId = groups.FirstOrDefault(g => NeutronRequest.Id(g) == nameOrId);
            List<JsonObject> matches = byId is not null ? [byId] : [.. groups.Where(g => g["name"]?.GetValue<string>() == nameOrId)];
            if (matches.Count == 0)
                throw ApiFault.BadRequest($"Security group {nameOrId} not found for project {projectId}.");
            if (matches.Count > 1)
                throw ApiFault.Conflict($"Multiple security groups found matching '{nameOrId}'. Use an ID to be more specific.");
            var id = NeutronRequest.Id(matches[0]);
            if (!ids.Any(i => i!.GetValue<string>() == id))
                ids.Add(id);
        }
        return ids;
    }

    private async Task<JsonObject> CreateAsync(DbConnection connection, DbTransaction transaction, PortRequest request, JsonArray? securityGroupIds,
        string serverId, string zone, string projectId, bool admin)
    {
        var networkId = request.NetworkId ?? throw ApiFault.BadRequest("A requested network needs a uuid or a port.");
        var network = await store.FindAsync(connection, transaction, ResourceType.Network, networkId);
        if (network is null || !(admin || NeutronRequest.ProjectOf(network) == projectId || network["shared"]?.GetValue<bool>() == true))
            throw ApiFault.BadRequest($"Network {networkId} could not be found.");
        if (network["subnets"] is not JsonArray { Count: > 0 })
            throw ApiFault.BadRequest($"Network {networkId} requires a subnet in order to boot instances on.");
        var body = new JsonObject
        {
            ["device_id"] = serverId,
            ["device_owner"] = "compute:" + zone,
            ["binding:host_id"] = Environment.MachineName,
            ["binding:profile"] = new JsonObject { [CreatedMark] = true },
        };
        if (securityGroupIds is not null)
            body["security_groups"] = securityGroupIds.DeepClone();
        if (request.FixedIp is { } address)
        {
            // Neutron's create_port:fixed_ips:ip_address: choosing an address is the network owner's (or an admin's).
            if (!admin && NeutronRequest.ProjectOf(network) != projectId)
                throw ApiFault.Forbidden("Policy doesn't allow create_port:fixed_ips:ip_address to be performed: the network belongs to another project.");
            body["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = address });
        }
        var port = await writer.CreateAsync(connection, transaction, body, projectId, networkId);
        return await ShowDownAsync(connection, transaction, port);
    }

    private async Task<JsonObject> BindAsync(DbConnection connection, DbTransaction transaction, string portId, string serverId, string zone,
        string projectId, bool admin)
    {
        var port = await store.FindAsync(connection, transaction, ResourceType.Port, portId);
        if (port is null || !(admin || NeutronRequest.ProjectOf(port) == projectId))
            throw ApiFault.BadRequest($"Port id {portId} could not be found.");
        await IpAllocator.LockAsync(store.Database, connection, transaction, port["network_id"]!.GetValue<string>());
        port = await store.FindAsync(connection, transaction, ResourceType.Port, portId) ?? throw ApiFault.BadRequest($"Port id {portId} could not be found.");
        if (port["device_id"]?.GetValue<string>() is { Length: > 0 } || port["device_owner"]?.GetValue<string>() is { Length: > 0 })
            throw ApiFault.Conflict($"Port {portId} is still in use.");
        port["device_id"] = serverId;
        port["device_owner"] = "compute:" + zone;
        port["binding:host_id"] = Environment.MachineName;
        PortWriter.SetBinding(port);
        return await ShowDownAsync(connection, transaction, port);
    }

    /// <summary>A bound port is DOWN until its VM runs (<see cref="SetActiveAsync"/>), as Neutron reports it until the VIF is plugged.</summary>
    private async Task<JsonObject> ShowDownAsync(DbConnection connection, DbTransaction transaction, JsonObject port)
    {
        port["status"] = "DOWN";
        await store.UpdateAsync(connection, transaction, ResourceType.Port, port);
        return port;
    }

    /// <summary>
    /// A read before the write transaction: most servers' power changes and deletes concern no port
    /// (or none whose status differs), and on SQLite every write transaction queues behind the others.
    /// </summary>
    private async Task<bool> HasPortsAsync(string serverId, string? notInStatus, CancellationToken cancellationToken)
    {
        await using var connection = await store.Database.OpenAsync(cancellationToken);
        var ports = await PortsOfAsync(connection, null, serverId);
        return ports.Any(p => notInStatus is null || p["status"]?.GetValue<string>() != notInStatus);
    }

    /// <summary>
    /// The server's ports, read again under their networks' locks (taken in one order), so a change
    /// written by a port update between the first read and this one is not overwritten by a stale body.
    /// </summary>
    private async Task<List<JsonObject>> LockedPortsOfAsync(DbConnection connection, DbTransaction transaction, string serverId)
    {
        var networkIds = (await PortsOfAsync(connection, transaction, serverId)).Select(p => p["network_id"]!.GetValue<string>())
            .Distinct().Order(StringComparer.Ordinal).ToList();
        if (networkIds.Count == 0 || store.Database.Engine != DatabaseEngine.Postgres)
            return await PortsOfAsync(connection, transaction, serverId); // SQLite's write transactions are serial already
        foreach (var networkId in networkIds)
            await IpAllocator.LockAsync(store.Database, connection, transaction, networkId);
        return await PortsOfAsync(connection, transaction, serverId);
    }

    private async Task<List<JsonObject>> PortsOfAsync(DbConnection connection, DbTransaction? transaction, string serverId)
    {
        var bodies = await connection.QueryAsync<string>(
            $"SELECT body FROM network_ports WHERE {ComputeOwnedFilter} AND body LIKE @pattern ORDER BY created_at, id",
            new { pattern = $"%\"device_id\":\"{serverId}\"%" }, transaction);
        return bodies.Select(b => JsonNode.Parse(b)!.AsObject()).Where(p => p["device_id"]?.GetValue<string>() == serverId).ToList();
    }

    private async Task DisassociateFloatingIpsAsync(DbConnection connection, DbTransaction transaction, string portId)
    {
        foreach (var floating in await store.ListAsync(connection, transaction, ResourceType.FloatingIp, null))
        {
            if (floating["port_id"]?.GetValue<string>() != portId)
                continue;
            FloatingIpEndpoints.Disassociate(floating);
            await store.UpdateAsync(connection, transaction, ResourceType.FloatingIp, floating);
        }
    }

    /// <summary>The server view of ports: their network's name and MTU, each address with its subnet's plan, and floating IPs.</summary>
    private async Task<Dictionary<string, IReadOnlyList<ServerPort>>> DescribeAsync(List<JsonObject> ports, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyList<ServerPort>>(StringComparer.Ordinal);
        if (ports.Count == 0)
            return result;
        await using var connection = await store.Database.OpenAsync(cancellationToken);
        var networkIds = ports.Select(p => p["network_id"]!.GetValue<string>()).Distinct().ToList();
        var networks = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var subnets = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var body in await connection.QueryAsync<string>(
                     $"SELECT body FROM network_networks WHERE {store.Database.InList("id", "ids")}", new { ids = networkIds }))
        {
            var network = JsonNode.Parse(body)!.AsObject();
            networks[NeutronRequest.Id(network)] = network;
        }
        foreach (var body in await connection.QueryAsync<string>(
                     $"SELECT body FROM network_subnets WHERE {store.Database.InList("parent_id", "ids")}", new { ids = networkIds }))
        {
            var subnet = JsonNode.Parse(body)!.AsObject();
            subnets[NeutronRequest.Id(subnet)] = subnet;
        }
        var floating = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var body in await connection.QueryAsync<string>("SELECT body FROM network_floating_ips WHERE body NOT LIKE '%\"port_id\":null%'"))
        {
            var ip = JsonNode.Parse(body)!.AsObject();
            if (ip["port_id"]?.GetValue<string>() is { } portId && ip["floating_ip_address"]?.GetValue<string>() is { } address)
            {
                if (!floating.TryGetValue(portId, out var list))
                    floating[portId] = list = [];
                list.Add(address);
            }
        }
        var groupIds = ports.SelectMany(p => p["security_groups"]?.AsArray() ?? []).Select(g => g!.GetValue<string>()).Distinct().ToList();
        var groupNames = new Dictionary<string, string>(StringComparer.Ordinal);
        if (groupIds.Count > 0)
        {
            foreach (var body in await connection.QueryAsync<string>(
                         $"SELECT body FROM network_security_groups WHERE {store.Database.InList("id", "ids")}", new { ids = groupIds }))
            {
                var group = JsonNode.Parse(body)!.AsObject();
                groupNames[NeutronRequest.Id(group)] = group["name"]?.GetValue<string>() ?? "";
            }
        }

        var byServer = new Dictionary<string, List<ServerPort>>(StringComparer.Ordinal);
        foreach (var port in ports)
        {
            var portId = NeutronRequest.Id(port);
            var network = networks.GetValueOrDefault(port["network_id"]!.GetValue<string>());
            var addresses = new List<PortAddress>();
            foreach (var fixedIp in port["fixed_ips"]?.AsArray() ?? [])
            {
                var subnetId = fixedIp!["subnet_id"]!.GetValue<string>();
                if (subnets.GetValueOrDefault(subnetId) is not { } subnet)
                    continue;
                addresses.Add(new PortAddress(
                    fixedIp["ip_address"]!.GetValue<string>(),
                    subnet["ip_version"]?.GetValue<int>() ?? 4,
                    subnetId,
                    subnet["cidr"]!.GetValue<string>(),
                    subnet["gateway_ip"]?.GetValue<string>(),
                    [.. (subnet["dns_nameservers"]?.AsArray() ?? []).Select(d => d!.GetValue<string>())],
                    [.. (subnet["host_routes"]?.AsArray() ?? []).Select(r => (r!["destination"]!.GetValue<string>(), r["nexthop"]!.GetValue<string>()))],
                    subnet["enable_dhcp"]?.GetValue<bool>() ?? true,
                    subnet["ipv6_address_mode"]?.GetValue<string>()));
            }
            var serverId = port["device_id"]!.GetValue<string>();
            if (!byServer.TryGetValue(serverId, out var list))
                byServer[serverId] = list = [];
            list.Add(new ServerPort(
                portId,
                port["network_id"]!.GetValue<string>(),
                network?["name"]?.GetValue<string>() ?? "",
                port["mac_address"]!.GetValue<string>(),
                PortWriter.TapName(portId),
                network?["mtu"]?.GetValue<int>() ?? 1500,
                addresses,
                floating.GetValueOrDefault(portId) ?? [],
                port["binding:profile"] is JsonObject profile && profile.ContainsKey(CreatedMark),
                [.. (port["security_groups"]?.AsArray() ?? []).Select(g => groupNames.GetValueOrDefault(g!.GetValue<string>())).OfType<string>()]));
        }
        foreach (var (serverId, list) in byServer)
            result[serverId] = list;
        return result;
    }

    /// <summary>Neutron's refusals in the words and codes Nova answers a server create with.</summary>
    private static ApiFault AsComputeFault(NeutronFault fault, PortRequest request) => fault.Type switch
    {
        "NetworkNotFound" => ApiFault.BadRequest($"Network {request.NetworkId} could not be found."),
        "IpAddressAlreadyAllocated" => ApiFault.BadRequest($"Fixed IP address {request.FixedIp} is already in use on instance."),
        "IpAddressGenerationFailure" => ApiFault.Conflict($"No more fixed IP addresses are available on network {request.NetworkId}."),
        "OverQuota" => ApiFault.Forbidden("Maximum number of ports exceeded"),
        _ when fault.StatusCode == 400 => ApiFault.BadRequest(fault.Message),
        _ => new ApiFault(fault.StatusCode, fault.Message),
    };
}
