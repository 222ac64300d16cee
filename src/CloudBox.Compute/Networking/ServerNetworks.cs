using CloudBox.Compute.Drivers;
using CloudBox.Compute.Servers;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using CloudBox.Core.Networking;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudBox.Compute.Networking;

/// <summary>
/// Compute's use of <see cref="INetworkPorts"/>, which is there only when the Networking module
/// runs: without it servers boot without interfaces and asking for a network is refused. Ports
/// are allocated when the create request comes in (so refusals are synchronous), under a claim
/// row that outlives a crash before the server rows are written (see <see cref="OrphanedPortRelease"/>).
/// </summary>
public sealed partial class ServerNetworks(IServiceProvider services, Database database, ComputeSettings settings, TimeProvider clock,
    Build.VmDefinitions definitions, IHypervisorDriver driver, ILogger<ServerNetworks> logger)
{
    private readonly Lazy<INetworkPorts?> _ports = new(services.GetService<INetworkPorts>);

    public bool Available => _ports.Value is not null;

    private INetworkPorts Ports => _ports.Value ?? throw new InvalidOperationException("no Networking module");

    /// <summary>Refuses what cannot be honoured without Networking, before anything is written.</summary>
    public void Check(RequestedNetworks requested)
    {
        if (!Available && requested.Mode is NetworkMode.Auto or NetworkMode.Explicit)
            throw ApiFault.BadRequest("This cloud runs without the Networking service: create servers with no networks (--nic none).");
    }

    /// <summary>
    /// Claims, then allocates the ports of each new server and records them on its row
    /// (<see cref="ServerRecord.NetworkInterfaces"/>); on a refusal, what was allocated is released.
    /// </summary>
    public async Task AllocateAsync(IReadOnlyList<ServerRecord> servers, RequestedNetworks requested, CallerContext caller, CancellationToken cancellationToken)
    {
        if (!Available || requested.Mode == NetworkMode.None)
            return;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            var now = Timestamps.ToStorage(clock.GetUtcNow());
            foreach (var server in servers)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO compute_port_claims (server_id, host, created_at) VALUES (@id, @host, @now)",
                    new { id = server.Id, host = settings.HostName, now }, cancellationToken: cancellationToken));
            }
        }
        try
        {
            foreach (var server in servers)
            {
                IReadOnlyList<ServerPort> ports;
                try
                {
                    ports = await Ports.AllocateAsync(server.Id, server.AvailabilityZone, requested.Requests, requested.SecurityGroups, caller, cancellationToken);
                }
                catch (ApiFault fault) when (requested.Mode == NetworkMode.Implicit && fault.StatusCode == 400)
                {
                    // Before 2.37 a project with no usable network gets a server without one (Nova's behaviour).
                    ports = [];
                }
                server.NetworkInterfaces = NetworkInterfaces.ToJson(ports);
            }
        }
        catch
        {
            await ReleaseAllAsync(servers);
            throw;
        }
    }

    /// <summary>Nova's <c>addSecurityGroup</c>/<c>removeSecurityGroup</c> on every port of the server.</summary>
    public Task ChangeSecurityGroupAsync(ServerRecord server, string nameOrId, bool add, CancellationToken cancellationToken)
    {
        if (!Available)
            throw ApiFault.BadRequest("This cloud runs without the Networking service: servers have no security groups.");
        return Ports.ChangeSecurityGroupAsync(server.Id, server.ProjectId, nameOrId, add, cancellationToken);
    }

    /// <summary>The project's security groups (or the server's); none without Networking.</summary>
    public async Task<IReadOnlyList<ServerSecurityGroup>> SecurityGroupsAsync(string projectId, string? serverId, CancellationToken cancellationToken) =>
        Available ? await Ports.SecurityGroupsAsync(projectId, serverId, cancellationToken) : [];

    /// <summary>Undoes <see cref="AllocateAsync"/> when the create fails after it.</summary>
    public async Task ReleaseAllAsync(IReadOnlyList<ServerRecord> servers)
    {
        if (!Available)
            return;
        foreach (var server in servers)
            await ReleaseAsync(server.Id, CancellationToken.None);
    }

    /// <summary>The server rows are in (same transaction): their ports no longer need a claim.</summary>
    public static Task ForgetClaimsAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, Database database,
        IReadOnlyList<ServerRecord> servers) =>
        connection.ExecuteAsync($"DELETE FROM compute_port_claims WHERE {database.InList("server_id", "ids")}",
            new { ids = servers.Select(s => s.Id).ToArray() }, transaction);

    public async Task ReleaseAsync(string serverId, CancellationToken cancellationToken)
    {
        if (!Available)
            return; // no Networking, no ports and no claims
        await Ports.ReleaseAsync(serverId, cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM compute_port_claims WHERE server_id = @serverId", new { serverId },
            cancellationToken: cancellationToken));
    }

    /// <summary>A failed build gives its ports back, as Nova deallocates the network of an instance that could not be spawned.</summary>
    public async Task ReleaseAfterFailedBuildAsync(ServerRecord server)
    {
        var serverId = server.Id;
        if (server.NetworkInterfaces is "[]" or "")
            return; // every port of the server is on its row (create and attach record them)
        try
        {
            await ReleaseAsync(serverId, CancellationToken.None);
            await using var connection = await database.OpenAsync();
            await connection.ExecuteAsync("UPDATE compute_servers SET network_interfaces = '[]' WHERE id = @serverId", new { serverId });
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogReleaseFailed(serverId, error.Message);
        }
    }

    /// <summary>
    /// A new interface for an existing server (<c>os-interface</c> attach): a port on a network, a
    /// given port, or <c>auto</c>. The port is allocated, recorded on the server row (so every later
    /// start plugs it), then, when the VM runs, hot-plugged into it on the port's tap (named by the
    /// tap in the VMM). A crash between the steps is settled at start (<see cref="InterfaceSettler"/>).
    /// </summary>
    public async Task<IReadOnlyList<ServerPort>> AttachAsync(ServerRecord server, PortRequest? request, CallerContext caller, CancellationToken cancellationToken)
    {
        if (!Available)
            throw ApiFault.BadRequest("This cloud runs without the Networking service: servers have no interfaces to attach.");
        var ports = await Ports.AllocateAsync(server.Id, server.AvailabilityZone, request is null ? [] : [request], [], caller, cancellationToken);
        try
        {
            await ChangeInterfacesAsync(server.Id, json => NetworkInterfaces.Append(json, ports), cancellationToken);
            if (IsRunning(server))
            {
                foreach (var port in ports)
                    await PlugAsync(server, port.TapName, port.MacAddress, cancellationToken);
                await SetActiveAsync(server.Id, true); // the new port is up with the VM, like those it booted with
            }
        }
        catch
        {
            foreach (var port in ports)
            {
                await ChangeInterfacesAsync(server.Id, json => NetworkInterfaces.Remove(json, port.PortId), CancellationToken.None);
                await Ports.ReleasePortAsync(server.Id, port.PortId, CancellationToken.None);
            }
            throw;
        }
        return ports;
    }

    /// <summary>
    /// Takes one interface off a server (<c>os-interface</c> detach); false when the server holds no
    /// such port. Off the row first (no later start plugs it), then out of the running VM, then the
    /// port is given back; a crash after the first step leaves a port bound but not on the row, which
    /// the start's settling unplugs and releases.
    /// </summary>
    public async Task<bool> DetachAsync(ServerRecord server, string portId, CancellationToken cancellationToken)
    {
        if (!Available)
            return false;
        var port = (await ListAsync(server.Id, cancellationToken)).FirstOrDefault(p => p.PortId == portId);
        if (port is null)
            return false;
        await ChangeInterfacesAsync(server.Id, json => NetworkInterfaces.Remove(json, portId), cancellationToken);
        if (IsRunning(server))
        {
            try
            {
                await UnplugAsync(server, port.TapName, cancellationToken);
            }
            catch
            {
                await ChangeInterfacesAsync(server.Id, json => NetworkInterfaces.Append(json, [port]), CancellationToken.None);
                throw;
            }
        }
        await Ports.ReleasePortAsync(server.Id, portId, cancellationToken);
        return true;
    }

    /// <summary>
    /// Start-up settling of one server's interfaces against its ports: a port bound to the server but
    /// not on its row (an attach or detach a crash cut short) is unplugged and given back; a port on
    /// the row that the running VM lacks is plugged. Returns how many ports it released and plugged.
    /// </summary>
    public async Task<(int Released, int Plugged)> SettleAsync(ServerRecord server, IReadOnlyList<ServerPort> bound, CancellationToken cancellationToken)
    {
        var recorded = NetworkInterfaces.PortIds(server.NetworkInterfaces);
        var running = IsRunning(server) ? await driver.NicIdsAsync(definitions.For(server), cancellationToken) : null;
        int released = 0, plugged = 0;
        foreach (var port in bound.Where(p => !recorded.Contains(p.PortId)))
        {
            if (running is not null && running.Contains(port.TapName))
                await UnplugAsync(server, port.TapName, cancellationToken);
            await Ports.ReleasePortAsync(server.Id, port.PortId, cancellationToken);
            released++;
        }
        if (running is not null)
        {
            foreach (var port in bound.Where(p => recorded.Contains(p.PortId) && !running.Contains(p.TapName)))
            {
                await PlugAsync(server, port.TapName, port.MacAddress, cancellationToken);
                plugged++;
            }
        }
        return (released, plugged);
    }

    private static bool IsRunning(ServerRecord server) => server.VmState is ServerStates.Active or ServerStates.Paused;

    /// <summary>
    /// Plugs a NIC into the running VM (its id in the VMM is the tap's name, as for the NICs it booted
    /// with). No VM running: its next start plugs the NIC from the row.
    /// </summary>
    private async Task PlugAsync(ServerRecord server, string tap, string mac, CancellationToken cancellationToken)
    {
        var plugged = await driver.AttachNicAsync(definitions.For(server), new VmNic(tap, mac), cancellationToken);
        switch (plugged.Outcome)
        {
            case HotplugOutcome.Done or HotplugOutcome.NoVm:
                return;
            case HotplugOutcome.Unsupported:
                throw ApiFault.Conflict($"The hypervisor of server {server.Id} cannot add interfaces while the VM runs; stop the server, then attach the interface.");
            default:
                throw new ApiFault(500, $"The hypervisor could not add interface {tap} to server {server.Id}: {plugged.Detail}".Trim());
        }
    }

    private async Task UnplugAsync(ServerRecord server, string tap, CancellationToken cancellationToken)
    {
        var unplugged = await driver.DetachNicAsync(definitions.For(server), tap, cancellationToken);
        switch (unplugged.Outcome)
        {
            case HotplugOutcome.Done or HotplugOutcome.NoVm:
                return;
            case HotplugOutcome.Unsupported:
                throw ApiFault.Conflict($"The hypervisor of server {server.Id} cannot remove interfaces while the VM runs; stop the server, then detach the interface.");
            default:
                throw new ApiFault(500, $"The hypervisor could not remove interface {tap} from server {server.Id}: {unplugged.Detail}".Trim());
        }
    }

    /// <summary>Compare-and-set on the row's interface list, so two attaches at once both land.</summary>
    private async Task ChangeInterfacesAsync(string serverId, Func<string, string> change, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        while (true)
        {
            var current = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                "SELECT network_interfaces FROM compute_servers WHERE id = @serverId", new { serverId }, cancellationToken: cancellationToken));
            if (current is null)
                return; // the server is gone
            var next = change(current);
            if (await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE compute_servers SET network_interfaces = @next WHERE id = @serverId AND network_interfaces = @current",
                    new { serverId, next, current }, cancellationToken: cancellationToken)) > 0)
                return;
        }
    }

    /// <summary>The ports of a page of servers, in one call.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ServerPort>>> ListAsync(IReadOnlyCollection<string> serverIds, CancellationToken cancellationToken)
    {
        if (!Available || serverIds.Count == 0)
            return new Dictionary<string, IReadOnlyList<ServerPort>>();
        return await Ports.ListForServersAsync(serverIds, cancellationToken);
    }

    public async Task<IReadOnlyList<ServerPort>> ListAsync(string serverId, CancellationToken cancellationToken) =>
        (await ListAsync([serverId], cancellationToken)).GetValueOrDefault(serverId) ?? [];

    /// <summary>Ports follow the VM: ACTIVE while it runs, DOWN otherwise. A failure here never fails the power action.</summary>
    public async Task SetActiveAsync(string serverId, bool active)
    {
        if (!Available)
            return;
        try
        {
            await Ports.SetActiveAsync(serverId, active, CancellationToken.None);
        }
        catch (Exception error)
        {
            LogStatusFailed(serverId, error.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release the ports of server {ServerId}: {Reason}")]
    private partial void LogReleaseFailed(string serverId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the port status of server {ServerId}: {Reason}")]
    private partial void LogStatusFailed(string serverId, string reason);
}
