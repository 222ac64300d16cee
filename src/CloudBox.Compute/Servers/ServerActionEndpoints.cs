using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Compute.Build;
using CloudBox.Compute.Drivers;
using CloudBox.Compute.Flavors;
using CloudBox.Compute.InstanceActions;
using CloudBox.Compute.Volumes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Core.Images;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Servers;

/// <summary>
/// <c>POST /servers/{id}/action</c>: power actions, lock, snapshots, rebuild, console output,
/// security groups and reset-state. Each power action is a compare-and-set into its task_state (409 when the server is
/// in the wrong state or busy), the driver call, and the move to its final state.
/// </summary>
public static class ServerActionEndpoints
{
    public static void Map(IEndpointRouteBuilder v21) => v21.MapPost("/servers/{id}/action", ActAsync);

    /// <summary>The services one action needs, resolved once per request.</summary>
    private sealed record Services(
        ServerStore Servers, IHypervisorDriver Driver, VmDefinitions Definitions, InstanceFiles Files, InstancePaths Paths,
        InstanceActionStore Actions, IImageSource Images, FlavorStore Flavors, ComputeSettings Settings, TimeProvider Clock, ServerVolumes Volumes);

    private static async Task<IResult> ActAsync(
        string id, HttpContext context, ServerStore servers, IHypervisorDriver driver, VmDefinitions definitions, InstanceFiles files, InstancePaths paths,
        InstanceActionStore actions, IImageSource images, FlavorStore flavors, ComputeSettings settings, PolicyEngine policy, TimeProvider clock,
        ServerVolumes volumes, Networking.ServerNetworks networks, Consoles.ConsoleTokenStore consoleTokens, Core.Configuration.CloudBoxOptions options,
        CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:action");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        if (body.Count != 1)
            throw ApiFault.BadRequest("Exactly one action is expected in the request body.");
        var (action, argument) = body.First();
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        var s = new Services(servers, driver, definitions, files, paths, actions, images, flavors, settings, clock, volumes);

        switch (action)
        {
            case "os-getConsoleOutput":
                return ConsoleOutput(server, argument as JsonObject, paths);
            case "os-getSerialConsole":
                return await Consoles.RemoteConsoleEndpoints.LegacyActionAsync(server, argument as JsonObject, context, consoleTokens, options, cancellationToken);
            case "os-resetState":
                context.Authorize(policy, "compute:servers:reset_state");
                return await ResetStateAsync(server, argument as JsonObject, s);
            case "lock":
                await s.Servers.UpdateFieldsAsync(id, "locked = @yes, locked_by = @by, updated_at = @now",
                    new { id, yes = true, by = ServerAccess.IsAdmin(caller) && server.ProjectId != caller.ProjectId ? "admin" : "owner", now = Now(s) }, cancellationToken);
                await RecordAsync(context, server, caller, "lock", s);
                return Results.StatusCode(StatusCodes.Status202Accepted);
            case "addSecurityGroup" or "removeSecurityGroup":
            {
                var name = (argument as JsonObject)?.OptionalString("name");
                if (string.IsNullOrWhiteSpace(name))
                    throw ApiFault.BadRequest($"Invalid input for field/attribute {action}: a security group 'name' is required.");
                await networks.ChangeSecurityGroupAsync(server, name, action == "addSecurityGroup", cancellationToken);
                return Results.StatusCode(StatusCodes.Status202Accepted);
            }
            case "unlock":
                if (server.Locked && server.LockedBy == "admin" && !ServerAccess.IsAdmin(caller))
                    throw ApiFault.Conflict($"Instance {id} was locked by an admin and can only be unlocked by one.");
                await s.Servers.UpdateFieldsAsync(id, "locked = @no, locked_by = NULL, updated_at = @now", new { id, no = false, now = Now(s) }, cancellationToken);
                await RecordAsync(context, server, caller, "unlock", s);
                return Results.StatusCode(StatusCodes.Status202Accepted);
        }

        ServerAccess.CheckNotLocked(server, caller);
        var grace = settings.ShutdownTimeout;
        switch (action)
        {
            case "os-start":
                return await PowerAsync(context, server, caller, "start", [ServerStates.Stopped], ServerStates.PoweringOn,
                    vm => driver.StartAsync(vm, CancellationToken.None), ServerStates.Active, PowerState.Running, s);
            case "os-stop":
                return await PowerAsync(context, server, caller, "stop", [ServerStates.Active, ServerStates.Paused, ServerStates.Suspended, ServerStates.Error],
                    ServerStates.PoweringOff, vm => driver.StopAsync(vm, grace, CancellationToken.None), ServerStates.Stopped, PowerState.Shutdown, s);
            case "reboot":
            {
                var type = (argument as JsonObject)?.OptionalString("type")?.ToUpperInvariant();
                if (type is not ("SOFT" or "HARD"))
                    throw ApiFault.BadRequest("Invalid input for field/attribute type: must be SOFT or HARD.");
                var hard = type == "HARD";
                string[] allowed = hard
                    ? [ServerStates.Active, ServerStates.Stopped, ServerStates.Paused, ServerStates.Suspended, ServerStates.Error]
                    : [ServerStates.Active];
                return await PowerAsync(context, server, caller, "reboot", allowed, hard ? ServerStates.RebootingHard : ServerStates.Rebooting,
                    async vm =>
                    {
                        // A VM that is not running (stopped, or gone) is simply started by a hard reboot.
                        if (hard && await driver.GetPowerStateAsync(vm, CancellationToken.None) == PowerState.Shutdown)
                            await driver.StartAsync(vm, CancellationToken.None);
                        else
                            await driver.RebootAsync(vm, hard, CancellationToken.None);
                    }, ServerStates.Active, PowerState.Running, s);
            }
            case "pause":
                return await PowerAsync(context, server, caller, "pause", [ServerStates.Active], ServerStates.Pausing,
                    vm => driver.PauseAsync(vm, CancellationToken.None), ServerStates.Paused, PowerState.Paused, s);
            case "unpause":
                return await PowerAsync(context, server, caller, "unpause", [ServerStates.Paused], ServerStates.Unpausing,
                    vm => driver.ResumeAsync(vm, CancellationToken.None), ServerStates.Active, PowerState.Running, s);
            case "suspend":
                // The VMM cannot save memory to disk yet: a suspended server's VM is paused in memory.
                return await PowerAsync(context, server, caller, "suspend", [ServerStates.Active], ServerStates.Suspending,
                    vm => driver.PauseAsync(vm, CancellationToken.None), ServerStates.Suspended, PowerState.Suspended, s);
            case "resume":
                return await PowerAsync(context, server, caller, "resume", [ServerStates.Suspended], ServerStates.Resuming,
                    vm => driver.ResumeAsync(vm, CancellationToken.None), ServerStates.Active, PowerState.Running, s);
            case "createImage":
                return await CreateImageAsync(context, server, caller, argument as JsonObject ?? throw ApiFault.BadRequest("createImage needs an object."), s);
            case "rebuild":
                return await RebuildAsync(context, server, caller, argument as JsonObject ?? throw ApiFault.BadRequest("rebuild needs an object."), s);
            default:
                throw ApiFault.BadRequest($"There is no such action: {action}");
        }
    }

    private static string Now(Services s) => Timestamps.ToStorage(s.Clock.GetUtcNow());

    private static Task RecordAsync(HttpContext context, ServerRecord server, CallerContext caller, string action, Services s) =>
        s.Actions.RecordAsync(new InstanceActionRecord
        {
            RequestId = context.TraceIdentifier, ServerId = server.Id, Action = action, ProjectId = server.ProjectId, UserId = caller.UserId, StartTime = Now(s),
        }, CancellationToken.None);

    /// <summary>Claims the server for <paramref name="taskState"/>, runs <paramref name="work"/>, then settles it.</summary>
    private static async Task<ServerRecord> ClaimAsync(ServerRecord server, string action, string[] allowed, string taskState, Services s)
    {
        if (Array.IndexOf(allowed, server.VmState) < 0 || server.TaskState is not null)
            throw ServerAccess.InvalidState(server, action);
        if (!await s.Servers.TransitionAsync(server.Id, server.VmState, null, server.VmState, taskState, null, Now(s), CancellationToken.None))
        {
            var current = await s.Servers.FindAsync(server.Id, CancellationToken.None) ?? server;
            throw ServerAccess.InvalidState(current, action);
        }
        return server;
    }

    private static async Task<IResult> PowerAsync(
        HttpContext context, ServerRecord server, CallerContext caller, string action, string[] allowed, string taskState,
        Func<VmDefinition, Task> work, string finalVmState, int finalPower, Services s)
    {
        await ClaimAsync(server, action, allowed, taskState, s);
        await RecordAsync(context, server, caller, action, s);
        try
        {
            if (action == "start" || taskState == ServerStates.RebootingHard)
                await s.Files.RefreshBootFilesAsync(server, CancellationToken.None); // a kernel read from the disk is read again
            await work(s.Definitions.For(server));
        }
        catch (Exception error)
        {
            await s.Servers.TransitionAsync(server.Id, server.VmState, taskState, server.VmState, null, null, Now(s), CancellationToken.None);
            await s.Actions.SetMessageAsync(server.Id, context.TraceIdentifier, "Error", CancellationToken.None);
            throw new ApiFault(500, $"Could not {action} instance {server.Id}: {error.Message}");
        }
        await s.Servers.TransitionAsync(server.Id, server.VmState, taskState, finalVmState, null, finalPower, Now(s), CancellationToken.None);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static IResult ConsoleOutput(ServerRecord server, JsonObject? argument, InstancePaths paths)
    {
        if (server.VmState == ServerStates.Building)
            throw ApiFault.Conflict($"Instance {server.Id} is not ready yet: it is still building.");
        var length = argument?.OptionalInt("length", -1);
        var path = paths.ConsoleLog(server.Id);
        var lines = new List<string>();
        // Across VMM restarts: what earlier runs printed (bounded), then the running VMM's console.
        var all = Drivers.ConsoleHistory.ReadAll(path).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (all is not [""])
            lines.AddRange(all.Length > 0 && all[^1].Length == 0 ? all[..^1] : all);
        if (length is >= 0 && lines.Count > length.Value)
            lines = lines.GetRange(lines.Count - length.Value, length.Value);
        var output = string.Join('\n', lines);
        return JsonBody.Node(new JsonObject { ["output"] = lines.Count > 0 ? output + "\n" : "" });
    }

    private static async Task<IResult> ResetStateAsync(ServerRecord server, JsonObject? argument, Services s)
    {
        var state = argument?.OptionalString("state");
        if (state is not (ServerStates.Active or ServerStates.Error))
            throw ApiFault.BadRequest("Invalid input for field/attribute state: must be active or error.");
        await s.Servers.UpdateFieldsAsync(server.Id, "vm_state = @state, task_state = NULL, updated_at = @now", new { server.Id, state, now = Now(s) }, CancellationToken.None);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> CreateImageAsync(HttpContext context, ServerRecord server, CallerContext caller, JsonObject argument, Services s)
    {
        var name = argument.RequireString("name");
        var metadata = argument["metadata"] is null ? [] : NovaBody.StringMap(argument["metadata"], "metadata");
        await ClaimAsync(server, "createImage", [ServerStates.Active, ServerStates.Stopped, ServerStates.Paused, ServerStates.Suspended], ServerStates.ImageSnapshot, s);
        await RecordAsync(context, server, caller, "createImage", s);
        ImageInfo snapshot;
        try
        {
            var source = ImageSnapshot.Parse(server.Image);
            var properties = new Dictionary<string, string>(metadata, StringComparer.Ordinal)
            {
                ["image_type"] = "snapshot",
                ["instance_uuid"] = server.Id,
                ["base_image_ref"] = string.IsNullOrEmpty(server.ImageId) ? source.Id : server.ImageId,
                ["owner_user_name"] = caller.UserName,
                ["user_id"] = caller.UserId,
            };
            if (source.KernelId is not null)
                properties["kernel_id"] = source.KernelId;
            if (source.RamdiskId is not null)
                properties["ramdisk_id"] = source.RamdiskId;
            if (source.CommandLine is not null)
                properties["os_command_line"] = source.CommandLine;
            var bootVolume = string.IsNullOrEmpty(server.ImageId)
                ? (await s.Volumes.ListAsync(server.Id, CancellationToken.None)).FirstOrDefault(a => a.BootIndex == 0)
                : null;
            if (bootVolume is not null)
            {
                // Volume-backed: a Cinder snapshot of the boot volume and an image of size 0 that maps it, as Nova makes.
                snapshot = await VolumeBackedImage.CreateAsync(server, bootVolume, name, properties, source.DiskFormat ?? "raw", s.Volumes.Required, s.Images,
                    s.Paths.DirectoryOf(server.Id), caller, CancellationToken.None);
            }
            else
            {
                // A copy first (qcow2, without the disk's holes), so the image is one point in time of a disk the guest may be writing.
                var copy = s.Paths.RootDisk(server.Id) + ".snapshot";
                try
                {
                    File.Delete(copy);
                    var format = await RootDisk.SnapshotAsync(s.Paths.RootDisk(server.Id), copy, CancellationToken.None);
                    snapshot = await s.Images.CreateFromFileAsync(name, format, copy, properties, caller, CancellationToken.None);
                }
                finally
                {
                    File.Delete(copy);
                }
            }
        }
        catch (Exception error)
        {
            await s.Servers.TransitionAsync(server.Id, server.VmState, ServerStates.ImageSnapshot, server.VmState, null, null, Now(s), CancellationToken.None);
            if (error is ApiFault)
                throw;
            throw new ApiFault(500, $"Could not snapshot instance {server.Id}: {error.Message}");
        }
        await s.Servers.TransitionAsync(server.Id, server.VmState, ServerStates.ImageSnapshot, server.VmState, null, null, Now(s), CancellationToken.None);
        var root = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/image";
        context.Response.Headers.Location = $"{root}/v2/images/{snapshot.Id}";
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> RebuildAsync(HttpContext context, ServerRecord server, CallerContext caller, JsonObject argument, Services s)
    {
        var imageRef = argument.RequireString("imageRef", 2048);
        var flavor = await s.Flavors.FindAsync(server.FlavorId, CancellationToken.None)
            ?? new FlavorRecord { Id = server.FlavorId, Ram = server.Ram, Disk = server.Disk, Vcpus = server.Vcpus };
        var image = await ServerImages.ResolveAsync(imageRef, flavor, caller, s.Images, context.RequestAborted);
        var name = argument.OptionalString("name")?.Trim();
        if (argument.Has("description") && Microversions.AtLeast(context, 19))
            server.Description = argument.OptionalString("description");
        var metadata = argument["metadata"] is null ? null : NovaBody.ToJson(NovaBody.StringMap(argument["metadata"], "metadata")).ToJsonString();
        // A volume-backed server (no image of its own) keeps its root volume: before 2.93 Nova rebuilds it only with the
        // image the volume came from, and refuses another (reimaging the volume is 2.93, beyond this cloud's maximum).
        var volumeBacked = string.IsNullOrEmpty(server.ImageId);
        if (volumeBacked && image.Id != ImageSnapshot.Parse(server.Image).Id)
            throw ApiFault.BadRequest($"Image {image.Id} is unacceptable: Unable to rebuild with a different image for a volume-backed server.");
        await ClaimAsync(server, "rebuild", [ServerStates.Active, ServerStates.Stopped, ServerStates.Error], ServerStates.Rebuilding, s);
        await RecordAsync(context, server, caller, "rebuild", s);
        if (!volumeBacked)
        {
            server.ImageId = image.Id;
            server.Image = ImageSnapshot.From(image).ToJson();
        }
        server.Name = name ?? server.Name;
        server.Metadata = metadata ?? server.Metadata;
        try
        {
            await s.Driver.DestroyAsync(s.Definitions.For(server), CancellationToken.None);
            await s.Servers.UpdateFieldsAsync(server.Id, "image_id = @ImageId, image = @Image, name = @Name, metadata = @Metadata, description = @Description", server, CancellationToken.None);
            s.Files.Reset(server.Id);
            await s.Files.PrepareAsync(server, CancellationToken.None);
            await s.Driver.StartAsync(s.Definitions.For(server), CancellationToken.None);
        }
        catch (Exception error)
        {
            var fault = ServerFaults.Json(500, $"Rebuild of instance {server.Id} failed: {error.Message}", $"{error.GetType().Name}: {error.Message}", s.Clock.GetUtcNow());
            await s.Servers.TransitionAsync(server.Id, server.VmState, ServerStates.Rebuilding, ServerStates.Error, null, PowerState.NoState, Now(s), CancellationToken.None, fault);
            throw new ApiFault(500, $"Rebuild of instance {server.Id} failed: {error.Message}");
        }
        await s.Servers.TransitionAsync(server.Id, server.VmState, ServerStates.Rebuilding, ServerStates.Active, null, PowerState.Running, Now(s), CancellationToken.None, setLaunched: true);
        var current = await s.Servers.FindAsync(server.Id, CancellationToken.None) ?? server;
        var adminPass = argument.OptionalString("adminPass") ?? Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(9));
        return await ((ServerBodies)context.RequestServices.GetService(typeof(ServerBodies))!).OneAsync(context, current, ServerAccess.IsAdmin(caller), CancellationToken.None,
            StatusCodes.Status202Accepted, adminPass);
    }
}
