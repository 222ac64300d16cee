using Microsoft.Extensions.Logging;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Ids;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using CloudBox.Databases.Cloud;
using CloudBox.Databases.Datastores;

namespace CloudBox.Databases.Instances;

/// <summary>
/// Drives one instance one step at a time: its security group, data volume, server, the volume's
/// attachment, the agent's first heartbeat and the datastore's preparation; or, for an instance being
/// deleted, the removal of all of it. Each step finds what an earlier try of the same step made
/// (by the names it gives: <c>trove-{id}</c>) before making anything, and is recorded before the next
/// starts, so a crash of <c>serve</c> at any point resumes without leaking or doubling a resource.
/// </summary>
internal sealed partial class InstanceBuilder(
    InstanceStore instances,
    DatastoreStore datastores,
    TaskStore tasks,
    AgentTasks agentTasks,
    UserCloud cloud,
    DatabasesSettings settings,
    TimeProvider clock,
    ILogger<InstanceBuilder> logger,
    Configurations.ConfigurationStore configurations)
{
    public static string ResourceName(string instanceId) => "trove-" + instanceId;

    /// <summary>Takes the next step of <paramref name="instance"/>; true when it moved on (call again at once).</summary>
    public async Task<bool> StepAsync(InstanceRecord instance, CancellationToken cancellationToken)
    {
        try
        {
            using var session = await cloud.ForAsync(instance.UserId, instance.ProjectId, cancellationToken);
            return instance.Step switch
            {
                InstanceSteps.SecurityGroup => await SecurityGroupAsync(instance, session, cancellationToken),
                InstanceSteps.Volume => await VolumeAsync(instance, session, cancellationToken),
                InstanceSteps.Server => await ServerAsync(instance, session, cancellationToken),
                InstanceSteps.Attach => await AttachAsync(instance, session, cancellationToken),
                InstanceSteps.Agent => await AgentAsync(instance, cancellationToken),
                InstanceSteps.Prepare => await PrepareAsync(instance, cancellationToken),
                InstanceSteps.Delete => await DeleteAsync(instance, session, cancellationToken),
                _ => false,
            };
        }
        catch (StaleInstanceException)
        {
            // The API changed the instance (a delete, a rename) while this step ran: the next pass reads it again.
            return false;
        }
        catch (CloudCallException error) when (instance.Step != InstanceSteps.Delete)
        {
            await FailAsync(instance, error.ServiceMessage, cancellationToken);
            return false;
        }
        catch (Core.Api.ApiFault error) when (instance.Step != InstanceSteps.Delete)
        {
            // The owner lost access to the project (the delegated token was refused): nothing can be built in their name.
            await FailAsync(instance, error.Message, cancellationToken);
            return false;
        }
    }

    private async Task<bool> SecurityGroupAsync(InstanceRecord instance, UserCloud.Session cloud, CancellationToken cancellationToken)
    {
        var version = await datastores.FindVersionAsync(null, instance.VersionId, cancellationToken);
        if (version is null)
        {
            await FailAsync(instance, $"Datastore version {instance.VersionId} no longer exists.", cancellationToken);
            return false;
        }
        var name = ResourceName(instance.Id);
        var groupId = await cloud.FindSecurityGroupAsync(name, cancellationToken)
            ?? await cloud.CreateSecurityGroupAsync(name, $"Access to database instance {instance.Name}", cancellationToken);
        var port = DatastoreManagers.Port(version.Manager);
        foreach (var cidr in AccessCidrs(instance))
            await cloud.AddIngressRuleAsync(groupId, port, cidr, cancellationToken);
        instance.SecurityGroupId = groupId;
        return await AdvanceAsync(instance, InstanceSteps.Volume, cancellationToken);
    }

    private async Task<bool> VolumeAsync(InstanceRecord instance, UserCloud.Session cloud, CancellationToken cancellationToken)
    {
        var name = ResourceName(instance.Id);
        instance.VolumeId ??= await cloud.FindVolumeAsync(name, cancellationToken)
            ?? await cloud.CreateVolumeAsync(name, instance.VolumeSize, instance.VolumeType, cancellationToken);
        var status = await cloud.VolumeStatusAsync(instance.VolumeId, cancellationToken);
        switch (status)
        {
            case "available":
                return await AdvanceAsync(instance, InstanceSteps.Server, cancellationToken);
            case "error" or null:
                await FailAsync(instance, $"The data volume {instance.VolumeId} could not be created (status {status ?? "gone"}).", cancellationToken);
                return false;
            default:
                await instances.UpdateAsync(Touch(instance), cancellationToken);
                return false;
        }
    }

    private async Task<bool> ServerAsync(InstanceRecord instance, UserCloud.Session cloud, CancellationToken cancellationToken)
    {
        var name = ResourceName(instance.Id);
        var existing = await cloud.FindServerAsync(name, cancellationToken);
        if (existing is null)
        {
            var version = await datastores.FindVersionAsync(null, instance.VersionId, cancellationToken);
            if (version is null)
            {
                await FailAsync(instance, $"Datastore version {instance.VersionId} no longer exists.", cancellationToken);
                return false;
            }
            if (instance.AgentSecret is null)
            {
                // A crash between the server's creation and this record lost nothing: no server exists yet, so a new secret is safe.
                instance.AgentSecret = AgentSecrets.New();
                instance.AgentSecretHash = AgentSecrets.Hash(instance.AgentSecret);
                await instances.UpdateAsync(Touch(instance), cancellationToken);
            }
            var config = new AgentConfig(settings.AgentUrl, instance.Id, instance.AgentSecret, version.Manager, "/var/lib/cloudbox-datastore",
                DatastoreManagers.Port(version.Manager));
            var networks = JsonSerializer.Deserialize(instance.Networks, TroveJson.Default.ListString) ?? [];
            var server = new JsonObject
            {
                ["name"] = name,
                ["imageRef"] = version.ImageId,
                ["flavorRef"] = instance.FlavorId,
                ["config_drive"] = true,
                ["user_data"] = UserCloud.AgentUserData(JsonSerializer.Serialize(config, TroveJson.Default.AgentConfig)),
                ["metadata"] = new JsonObject { ["trove_instance_id"] = instance.Id },
            };
            if (networks.Count == 0)
            {
                server["networks"] = "none";
            }
            else
            {
                server["networks"] = new JsonArray(networks.Select(n => (JsonNode)new JsonObject { ["uuid"] = n }).ToArray());
                server["security_groups"] = new JsonArray(new JsonObject { ["name"] = name });
            }
            existing = await cloud.CreateServerAsync(server, cancellationToken);
            LogServerCreated(logger, instance.Id, existing);
        }
        instance.ServerId = existing;
        instance.AgentSecret = null;
        return await AdvanceAsync(instance, InstanceSteps.Attach, cancellationToken);
    }

    private async Task<bool> AttachAsync(InstanceRecord instance, UserCloud.Session cloud, CancellationToken cancellationToken)
    {
        var server = await cloud.ServerAsync(instance.ServerId!, cancellationToken);
        var status = server?["status"]?.GetValue<string>();
        if (status is "ERROR" or null)
        {
            var reason = server?["fault"]?["message"]?.GetValue<string>();
            await FailAsync(instance, $"The server {instance.ServerId} failed to build" + (reason is null ? "." : $": {reason}"), cancellationToken);
            return false;
        }
        if (status != "ACTIVE")
        {
            await instances.UpdateAsync(Touch(instance), cancellationToken);
            return false;
        }
        var volume = await cloud.VolumeStatusAsync(instance.VolumeId!, cancellationToken);
        if (volume == "available")
            await cloud.AttachVolumeAsync(instance.ServerId!, instance.VolumeId!, cancellationToken);
        if (await cloud.VolumeStatusAsync(instance.VolumeId!, cancellationToken) != "in-use")
        {
            await instances.UpdateAsync(Touch(instance), cancellationToken);
            return false;
        }
        instance.Addresses = JsonSerializer.Serialize(ServerAddresses(server!), TroveJson.Default.ListInstanceAddress);
        instance.DeadlineAt = Timestamps.ToStorage(clock.GetUtcNow() + settings.BuildTimeout);
        return await AdvanceAsync(instance, InstanceSteps.Agent, cancellationToken);
    }

    private async Task<bool> AgentAsync(InstanceRecord instance, CancellationToken cancellationToken)
    {
        if (instance.HeartbeatAt is null)
            return await CheckDeadlineAsync(instance, "The database agent did not report", cancellationToken);
        var version = await datastores.FindVersionAsync(null, instance.VersionId, cancellationToken);
        var initial = JsonSerializer.Deserialize(instance.Initial, TroveJson.Default.InitialContent) ?? new InitialContent([], []);
        var configuration = await configurations.ForInstanceAsync(instance.Id, cancellationToken);
        instance.TaskId = await agentTasks.QueueAsync(instance.Id, "prepare", new TaskPayload(
            Manager: version?.Manager, Port: version is null ? null : DatastoreManagers.Port(version.Manager),
            Databases: initial.Databases, Users: initial.Users, Backup: initial.Restore,
            Configuration: configuration is null ? null : Configurations.ConfigurationService.Values(configuration)), cancellationToken);
        return await AdvanceAsync(instance, InstanceSteps.Prepare, cancellationToken);
    }

    private async Task<bool> PrepareAsync(InstanceRecord instance, CancellationToken cancellationToken)
    {
        var task = instance.TaskId is null ? null : await tasks.FindAsync(instance.TaskId, cancellationToken);
        if (task?.State == TaskStates.Done)
        {
            instance.Status = InstanceStatus.Active;
            instance.Initial = "{}";
            instance.DeadlineAt = null;
            LogReady(logger, instance.Id);
            return await AdvanceAsync(instance, InstanceSteps.Ready, cancellationToken);
        }
        if (task?.State == TaskStates.Failed || task is null)
        {
            var result = task?.Result is { } json ? JsonSerializer.Deserialize(json, TroveJson.Default.AgentTaskResult) : null;
            await FailAsync(instance, "The datastore could not be prepared: " + (result?.Error ?? "its task is gone."), cancellationToken);
            return false;
        }
        return await CheckDeadlineAsync(instance, "The datastore was not prepared", cancellationToken);
    }

    private async Task<bool> DeleteAsync(InstanceRecord instance, UserCloud.Session cloud, CancellationToken cancellationToken)
    {
        var name = ResourceName(instance.Id);
        var serverId = instance.ServerId ?? await cloud.FindServerAsync(name, cancellationToken);
        if (serverId is not null)
        {
            if (await cloud.ServerAsync(serverId, cancellationToken) is not null)
            {
                await cloud.DeleteServerAsync(serverId, cancellationToken);
                instance.ServerId = serverId;
                await instances.UpdateAsync(Touch(instance), cancellationToken);
                return false;
            }
            instance.ServerId = null;
        }
        var volumeId = instance.VolumeId ?? await cloud.FindVolumeAsync(name, cancellationToken);
        if (volumeId is not null)
        {
            var status = await cloud.VolumeStatusAsync(volumeId, cancellationToken);
            if (status is not null)
            {
                if (status is "in-use" or "detaching" or "attaching" or "creating" or "deleting")
                {
                    instance.VolumeId = volumeId;
                    await instances.UpdateAsync(Touch(instance), cancellationToken);
                    return false;
                }
                await cloud.DeleteVolumeAsync(volumeId, cancellationToken);
                instance.VolumeId = volumeId;
                await instances.UpdateAsync(Touch(instance), cancellationToken);
                return false;
            }
            instance.VolumeId = null;
        }
        var groupId = instance.SecurityGroupId ?? await cloud.FindSecurityGroupAsync(name, cancellationToken);
        if (groupId is not null)
            await cloud.DeleteSecurityGroupAsync(groupId, cancellationToken);
        await tasks.DeleteForInstanceAsync(instance.Id, cancellationToken);
        await configurations.DetachAsync(instance.Id, cancellationToken);
        await instances.DeleteAsync(instance.Id, cancellationToken);
        LogDeleted(logger, instance.Id);
        return false;
    }

    private async Task<bool> CheckDeadlineAsync(InstanceRecord instance, string what, CancellationToken cancellationToken)
    {
        if (instance.DeadlineAt is { } deadline && Timestamps.FromStorage(deadline) < clock.GetUtcNow())
        {
            await FailAsync(instance, $"{what} within {settings.BuildTimeout.TotalMinutes:0} minutes of the server becoming ACTIVE.", cancellationToken);
            return false;
        }
        return false;
    }

    /// <summary>The server's fixed addresses, network by network, in Trove's shape.</summary>
    private static List<InstanceAddress> ServerAddresses(JsonNode server)
    {
        var addresses = new List<InstanceAddress>();
        if (server["addresses"] is JsonObject networks)
        {
            foreach (var (network, list) in networks)
            {
                foreach (var entry in list?.AsArray() ?? [])
                {
                    if (entry?["addr"]?.GetValue<string>() is { } address)
                        addresses.Add(new InstanceAddress(address, entry["OS-EXT-IPS:type"]?.GetValue<string>() == "floating" ? "public" : "private", network));
                }
            }
        }
        return addresses;
    }

    private static IEnumerable<string> AccessCidrs(InstanceRecord instance)
    {
        var cidrs = JsonSerializer.Deserialize(instance.AllowedCidrs, TroveJson.Default.ListString) ?? [];
        if (cidrs.Count > 0)
            return cidrs;
        return instance.IsPublic ? ["0.0.0.0/0", "::/0"] : [];
    }

    private async Task<bool> AdvanceAsync(InstanceRecord instance, string step, CancellationToken cancellationToken)
    {
        instance.Step = step;
        await instances.UpdateAsync(Touch(instance), cancellationToken);
        return true;
    }

    private async Task FailAsync(InstanceRecord instance, string reason, CancellationToken cancellationToken)
    {
        LogFailed(logger, instance.Id, instance.Step, reason);
        instance.Status = InstanceStatus.Error;
        instance.Step = InstanceSteps.Failed;
        instance.Fault = reason;
        instance.AgentSecret = null;
        await instances.UpdateAsync(Touch(instance), cancellationToken);
    }

    private InstanceRecord Touch(InstanceRecord instance)
    {
        instance.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        return instance;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database instance {InstanceId}: server {ServerId} created")]
    private static partial void LogServerCreated(ILogger logger, string instanceId, string serverId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database instance {InstanceId} is ACTIVE")]
    private static partial void LogReady(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database instance {InstanceId} deleted with its server, volume and security group")]
    private static partial void LogDeleted(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database instance {InstanceId} failed at step {Step}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string instanceId, string step, string reason);
}
