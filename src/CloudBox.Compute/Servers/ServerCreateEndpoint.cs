using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Compute.Build;
using CloudBox.Compute.Drivers;
using CloudBox.Compute.Flavors;
using CloudBox.Compute.InstanceActions;
using CloudBox.Compute.Keypairs;
using CloudBox.Compute.Networking;
using CloudBox.Compute.Quotas;
using CloudBox.Compute.ServerGroups;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using CloudBox.Core.Images;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Servers;

/// <summary>
/// <c>POST /servers</c>: validates the request (flavor, image, key, metadata, user data), checks the
/// quota and inserts the server rows in one transaction (serialised per project, so concurrent
/// creates cannot overshoot), then leaves the build to the worker and answers 202.
/// </summary>
public static class ServerCreateEndpoint
{
    private const int MaxUserDataBytes = 65535;

    /// <summary>The most servers one request may create, whatever the quota (an unlimited quota must not let one request allocate without bound).</summary>
    internal const int MaxServersPerRequest = 1000;

    private static readonly string[] QuotaResources = ["instances", "cores", "ram"];

    /// <summary>Nova creates fewer when min_count still fits; this is simpler and honest: all <paramref name="count"/> or nothing.</summary>
    private static void CheckQuota(Dictionary<string, int> usage, Func<string, int> limitOf, FlavorRecord flavor, int count)
    {
        foreach (var (resource, each) in new[] { ("instances", 1L), ("cores", (long)flavor.Vcpus), ("ram", (long)flavor.Ram) })
        {
            var limit = limitOf(resource);
            var requested = each * count;
            if (limit >= 0 && usage[resource] + requested > limit)
                throw ApiFault.Forbidden($"Quota exceeded for {resource}: Requested {requested}, but already used {usage[resource]} of {limit} {resource}");
        }
    }

    public static void Map(IEndpointRouteBuilder v21) => v21.MapPost("/servers", CreateAsync);

    private static async Task<IResult> CreateAsync(
        HttpContext context, ServerStore servers, FlavorStore flavors, KeypairStore keypairs, QuotaStore quotas, InstanceActionStore actions,
        IImageSource images, Volumes.ServerVolumes serverVolumes, BuildSignal signal, PolicyEngine policy, TimeProvider clock, ServerNetworks networks,
        ServerGroupStore serverGroups, Core.Events.ICloudEvents events, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:create");
        if (caller.ProjectId is null)
            throw ApiFault.Forbidden("Creating servers needs a project-scoped token.");
        var request = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var body = request.RequireObject("server");
        var group = await SchedulerHints.GroupAsync(request, caller, serverGroups, cancellationToken);
        var name = body.RequireString("name").Trim();

        var flavorRef = body.RequireString("flavorRef");
        var flavorId = ServerImages.LastSegment(flavorRef);
        FlavorRecord flavor;
        try
        {
            flavor = await FlavorEndpoints.FindUsableAsync(flavorId, caller, flavors, cancellationToken);
        }
        catch (ApiFault fault) when (fault.StatusCode == 404)
        {
            throw ApiFault.BadRequest($"Flavor {flavorId} could not be found.");
        }

        var imageRef = body.OptionalString("imageRef", 2048);
        var bootVolume = await Volumes.BootFromVolume.ParseAsync(body, string.IsNullOrEmpty(imageRef) ? null : imageRef, caller, images, serverVolumes.Attachments, cancellationToken);
        if (bootVolume is null && string.IsNullOrEmpty(imageRef))
            throw ApiFault.BadRequest("Missing imageRef attribute");
        var image = bootVolume?.Image ?? ImageSnapshot.From(await ServerImages.ResolveAsync(imageRef!, flavor, caller, images, cancellationToken));

        string? keyData = null;
        var keyName = body.OptionalString("key_name");
        if (keyName is not null)
        {
            var keypair = await keypairs.FindAsync(caller.UserId, keyName, cancellationToken)
                ?? throw ApiFault.BadRequest("Invalid key_name provided.");
            keyData = keypair.PublicKey;
        }

        var metadata = body["metadata"] is null ? [] : NovaBody.StringMap(body["metadata"], "metadata");
        string? userData = null;
        if (body.OptionalString("user_data", MaxUserDataBytes * 4 / 3 + 4) is { } encoded)
        {
            try
            {
                if (Convert.FromBase64String(encoded).Length > MaxUserDataBytes)
                    throw ApiFault.BadRequest("User data too large.");
            }
            catch (FormatException)
            {
                throw ApiFault.BadRequest("User data needs to be valid base 64.");
            }
            userData = encoded;
        }
        var configDrive = body["config_drive"] switch
        {
            null => false,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().ToLowerInvariant() is "true" or "1" or "yes" or "on",
            _ => throw ApiFault.BadRequest("Invalid input for field/attribute config_drive."),
        };
        var zone = body.OptionalString("availability_zone");
        if (!string.IsNullOrEmpty(zone) && zone.Split(':')[0] != "nova")
            throw ApiFault.BadRequest($"The requested availability zone is not available: {zone}");
        if (Microversions.AtLeast(context, 37) && body["networks"] is null)
            throw ApiFault.BadRequest("Invalid input for field/attribute server: 'networks' is a required property");
        var requestedNetworks = RequestedNetworks.Parse(body["networks"]) with { SecurityGroups = RequestedNetworks.ParseSecurityGroups(body["security_groups"]) };
        networks.Check(requestedNetworks);
        string? description = null;
        if (body.Has("description"))
        {
            if (!Microversions.AtLeast(context, 19))
                throw ApiFault.BadRequest("Invalid input for field/attribute server: Additional properties are not allowed ('description' was unexpected)");
            description = body.OptionalString("description");
        }
        var minCount = body.OptionalInt("min_count", 1) ?? 1;
        var maxCount = body.OptionalInt("max_count", 1) ?? minCount;
        if (maxCount < minCount)
            throw ApiFault.BadRequest("min_count must be <= max_count");
        var accessIpv4 = body.OptionalString("accessIPv4") ?? "";
        var accessIpv6 = body.OptionalString("accessIPv6") ?? "";
        var adminPass = body.OptionalString("adminPass") ?? Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(9)).Replace('+', 'x').Replace('/', 'y');

        var limits = await quotas.LimitsAsync(caller.ProjectId, cancellationToken);
        if (limits["metadata_items"] >= 0 && metadata.Count > limits["metadata_items"])
            throw ApiFault.Forbidden($"Quota exceeded for metadata_items: Requested {metadata.Count}, but already used 0 of {limits["metadata_items"]} metadata_items");
        // A first check before anything is built or allocated for the servers; the transaction below checks again, serialised.
        CheckQuota(await quotas.UsageAsync(caller.ProjectId, null, cancellationToken), resource => limits.GetValueOrDefault(resource, -1), flavor, maxCount);
        // And a hard bound for projects whose quota is unlimited.
        foreach (var (field, count) in new[] { ("min_count", minCount), ("max_count", maxCount) })
        {
            if (count > MaxServersPerRequest)
                throw ApiFault.BadRequest($"Invalid input for field/attribute {field}. Value: {count}. {count} is greater than the maximum of {MaxServersPerRequest}");
        }

        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var flavorJson = new JsonObject
        {
            ["id"] = flavor.Id, ["name"] = flavor.Name, ["vcpus"] = flavor.Vcpus, ["ram"] = flavor.Ram, ["disk"] = flavor.Disk,
            ["ephemeral"] = flavor.Ephemeral, ["swap"] = flavor.Swap, ["extra_specs"] = JsonNode.Parse(flavor.ExtraSpecs),
        }.ToJsonString();
        var created = new List<ServerRecord>();
        for (var i = 0; i < maxCount; i++)
        {
            created.Add(new ServerRecord
            {
                Id = Identifiers.NewUuid(),
                Name = maxCount > 1 ? $"{name}-{i + 1}" : name,
                ProjectId = caller.ProjectId,
                UserId = caller.UserId,
                VmState = ServerStates.Building,
                TaskState = ServerStates.Scheduling,
                PowerState = PowerState.NoState,
                ImageId = bootVolume is null ? image.Id : "",
                Image = image.ToJson(),
                FlavorId = flavor.Id,
                Flavor = flavorJson,
                Vcpus = flavor.Vcpus,
                Ram = flavor.Ram,
                Disk = flavor.Disk,
                KeyName = keyName,
                KeyData = keyData,
                Metadata = NovaBody.ToJson(metadata).ToJsonString(),
                UserData = userData,
                ConfigDrive = configDrive,
                AvailabilityZone = "nova",
                AccessIpv4 = accessIpv4,
                AccessIpv6 = accessIpv6,
                Description = description,
                CreatedAt = now,
                UpdatedAt = now,
            });
        }

        if (bootVolume is not null && maxCount > 1)
            throw ApiFault.BadRequest("Booting several servers from one block device mapping is not supported; create them one at a time.");
        await networks.AllocateAsync(created, requestedNetworks, caller, cancellationToken);
        var database = servers.Database;
        try
        {
            // The boot volume is held before the server row exists, so the build never finds a volume-backed server without its volume.
            if (bootVolume is not null)
                await bootVolume.ReserveAsync(created[0], serverVolumes.Required, caller, cancellationToken);
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                // One project's creates queue here, so the usage read below is still true when the rows go in.
                await database.LockAsync(connection, transaction, "compute-quota:" + caller.ProjectId);
                var usage = await quotas.UsageAsync(connection, transaction, caller.ProjectId, null);
                var current = new Dictionary<string, int>();
                foreach (var resource in QuotaResources)
                    current[resource] = await quotas.LimitAsync(connection, transaction, caller.ProjectId, resource);
                CheckQuota(usage, resource => current[resource], flavor, maxCount);
                if (group is not null)
                {
                    // Serialised per group as well, so two creates cannot both take the group's last member place.
                    await database.LockAsync(connection, transaction, "compute-server-group:" + group.Id);
                    var members = await ServerGroupStore.CountMembersAsync(connection, transaction, group.Id);
                    var limit = await quotas.LimitAsync(connection, transaction, caller.ProjectId, "server_group_members");
                    if (limit >= 0 && members + maxCount > limit)
                        throw ApiFault.Forbidden("Quota exceeded, too many servers in group");
                }
                foreach (var server in created)
                    await connection.ExecuteAsync($"INSERT INTO compute_servers ({ServerStore.Columns}) VALUES ({ServerStore.Values})", server, transaction);
                if (group is not null)
                    await ServerGroupStore.AddMembersAsync(connection, transaction, group.Id, created.Select(c => c.Id), now);
                await ServerNetworks.ForgetClaimsAsync(connection, transaction, database, created);
            }, cancellationToken);
        }
        catch
        {
            // Nothing of a server that was never recorded may stay held: its ports, its boot volume.
            await networks.ReleaseAllAsync(created);
            if (bootVolume is not null)
                await bootVolume.UndoAsync(serverVolumes.Required);
            throw;
        }

        foreach (var server in created)
        {
            await actions.RecordAsync(new InstanceActionRecord
            {
                RequestId = context.TraceIdentifier, ServerId = server.Id, Action = "create", ProjectId = server.ProjectId, UserId = server.UserId, StartTime = now,
            }, cancellationToken);
        }
        signal.Notify();
        foreach (var server in created)
            events.Publish(ServerEvents.Of(Core.Events.ResourceChange.Created, server));

        if (body.OptionalBool("return_reservation_id") == true)
            return JsonBody.Node(new JsonObject { ["reservation_id"] = "r-" + created[0].Id[..8] }, StatusCodes.Status202Accepted);
        var first = created[0];
        context.Response.Headers.Location = $"{ComputeLinks.Versioned(context)}/servers/{first.Id}";
        return JsonBody.Node(new JsonObject
        {
            ["server"] = new JsonObject
            {
                ["id"] = first.Id,
                ["links"] = ComputeLinks.For(context, "servers", first.Id),
                ["OS-DCF:diskConfig"] = "MANUAL",
                ["security_groups"] = new JsonArray([.. (requestedNetworks.SecurityGroups.Count > 0 ? requestedNetworks.SecurityGroups : ["default"])
                    .Select(name => (JsonNode)new JsonObject { ["name"] = name })]),
                ["adminPass"] = adminPass,
            },
        }, StatusCodes.Status202Accepted);
    }
}

