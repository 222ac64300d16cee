using System.Net;
using System.Text.Json;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Ids;
using CloudBox.Databases.Api;
using CloudBox.Databases.Cloud;
using CloudBox.Databases.Datastores;

namespace CloudBox.Databases.Instances;

/// <summary>Creates, changes and deletes database instances: validates the request, records it, and leaves the building to <see cref="InstanceWorker"/>.</summary>
internal sealed class InstanceService(InstanceStore instances, DatastoreStore datastores, UserCloud cloud, InstanceSignal signal, TimeProvider clock,
    Backups.BackupStore backups, DatabasesSettings settings, Configurations.ConfigurationStore configurations)
{
    public const int MaxVolumeGigabytes = 10_240;
    public const int MaxNics = 8;
    public const int MaxCidrs = 50;

    public async Task<InstanceRecord> CreateAsync(CallerContext caller, InstanceCreate? request, CancellationToken cancellationToken)
    {
        if (request is null)
            throw ApiFault.BadRequest("The request body must hold an 'instance' object.");
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 255)
            throw ApiFault.BadRequest("An instance needs a name of 1 to 255 characters.");
        if (request.ReplicaOf is not null)
            throw ApiFault.BadRequest("Replicas are not supported by this cloud yet.");
        if (string.IsNullOrEmpty(request.FlavorRef))
            throw ApiFault.BadRequest("An instance needs a flavorRef.");
        if (request.Volume?.Size is not { } size || size < 1 || size > MaxVolumeGigabytes)
            throw ApiFault.BadRequest($"An instance needs a volume size from 1 to {MaxVolumeGigabytes} GB.");
        var (_, version) = await datastores.ResolveAsync(request.Datastore?.Type, request.Datastore?.Version, cancellationToken);
        var restore = request.RestorePoint is null ? null : await RestorePointAsync(caller, request.RestorePoint, version, size, cancellationToken);
        if (request.Configuration is { } configurationId)
        {
            var configuration = await configurations.FindAsync(configurationId, cancellationToken);
            if (configuration is null || (configuration.ProjectId != caller.ProjectId && !caller.HasRole("admin")))
                throw ApiFault.NotFound($"Configuration group {configurationId} cannot be found.");
            if (configuration.VersionId != version.Id)
                throw ApiFault.BadRequest($"Configuration group {configurationId} is for another datastore version than the instance's.");
        }

        var networks = new List<string>();
        foreach (var nic in request.Nics ?? [])
        {
            if (networks.Count >= MaxNics)
                throw ApiFault.BadRequest($"At most {MaxNics} networks may be given.");
            var network = nic?.NetworkId ?? nic?.NetId;
            if (network is null || !Guid.TryParse(network, out _))
                throw ApiFault.BadRequest("Each nic needs a network_id (a network's id).");
            if (nic!.SubnetId is not null || nic.IpAddress is not null)
                throw ApiFault.BadRequest("Choosing a subnet or address for a database instance is not supported by this cloud yet; give network_id only.");
            networks.Add(network);
        }

        var cidrs = new List<string>();
        foreach (var cidr in request.Access?.AllowedCidrs ?? [])
        {
            if (cidrs.Count >= MaxCidrs)
                throw ApiFault.BadRequest($"At most {MaxCidrs} allowed CIDRs may be given.");
            if (cidr is null || !IPNetwork.TryParse(cidr, out var parsed))
                throw ApiFault.BadRequest($"'{cidr}' is not a CIDR.");
            cidrs.Add(parsed.ToString());
        }

        var databases = DatastoreNames.Databases(request.Databases);
        var users = DatastoreNames.Users(request.Users);
        foreach (var user in users)
        {
            foreach (var database in user.Databases ?? [])
            {
                if (databases.All(d => d.Name != database.Name))
                    throw ApiFault.BadRequest($"User '{user.Name}' is given database '{database.Name}', which is not among the databases to create.");
            }
        }

        // The flavor is checked as the caller sees it (Nova's flavor access applies).
        using (var session = cloud.ForToken(caller.Token))
        {
            var flavor = await session.FlavorAsync(request.FlavorRef, cancellationToken)
                ?? throw ApiFault.NotFound($"Flavor '{request.FlavorRef}' cannot be found.");
            request = request with { FlavorRef = flavor["id"]!.GetValue<string>() };
        }

        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var secret = AgentSecrets.New();
        var instance = new InstanceRecord
        {
            Id = Identifiers.NewUuid(),
            ProjectId = caller.ProjectId ?? throw ApiFault.Forbidden("A database instance is created in a project: use a project-scoped token."),
            UserId = caller.UserId,
            Name = name,
            Status = InstanceStatus.Build,
            Step = InstanceSteps.SecurityGroup,
            FlavorId = request.FlavorRef,
            VolumeSize = size,
            VolumeType = request.Volume.Type,
            VersionId = version.Id,
            Networks = JsonSerializer.Serialize(networks, TroveJson.Default.ListString),
            IsPublic = request.Access?.IsPublic ?? false,
            AllowedCidrs = JsonSerializer.Serialize(cidrs, TroveJson.Default.ListString),
            Initial = JsonSerializer.Serialize(new InitialContent(databases, users, restore), TroveJson.Default.InitialContent),
            AgentSecret = secret,
            AgentSecretHash = AgentSecrets.Hash(secret),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await instances.InsertAsync(instance, cancellationToken);
        if (request.Configuration is { } attach)
            await configurations.AttachAsync(instance.Id, attach, now, cancellationToken);
        signal.Notify();
        return instance;
    }

    /// <summary>The backup to restore: the caller's project's, COMPLETED, of the instance's datastore version, and fitting its volume.</summary>
    private async Task<Agent.BackupLocation> RestorePointAsync(CallerContext caller, RestorePoint restorePoint, DatastoreVersionRecord version, int size, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(restorePoint.BackupRef))
            throw ApiFault.BadRequest("restorePoint needs a backupRef (a backup's id).");
        var backup = await backups.FindAsync(restorePoint.BackupRef, cancellationToken);
        if (backup is null || (backup.ProjectId != caller.ProjectId))
            throw ApiFault.NotFound($"Backup {restorePoint.BackupRef} cannot be found.");
        if (backup.Status != Backups.BackupStatus.Completed)
            throw ApiFault.BadRequest($"Backup {backup.Id} is not COMPLETED (status {backup.Status}): it cannot be restored.");
        if (backup.VersionId != version.Id)
            throw ApiFault.BadRequest($"Backup {backup.Id} is of another datastore version than the one requested; restore it into its own ({backup.VersionId}).");
        if (backup.Size is { } bytes && bytes > (long)size * 1024 * 1024 * 1024)
            throw ApiFault.BadRequest($"Backup {backup.Id} ({bytes} bytes compressed) does not fit a volume of {size} GB.");
        return Backups.BackupObjects.Location(backup, settings.BackupSegmentBytes);
    }

    /// <summary>The instance if the caller may see it (its project's, or any for an admin); 404 otherwise.</summary>
    public async Task<InstanceRecord> FindAsync(CallerContext caller, string projectId, string id, CancellationToken cancellationToken)
    {
        var instance = await instances.FindAsync(id, cancellationToken);
        if (instance is null || (instance.ProjectId != projectId && !caller.HasRole("admin")))
            throw ApiFault.NotFound($"Instance {id} cannot be found.");
        return instance;
    }

    public async Task DeleteAsync(CallerContext caller, string projectId, string id, CancellationToken cancellationToken)
    {
        var instance = await FindAsync(caller, projectId, id, cancellationToken);
        if (instance.Step == InstanceSteps.Delete)
            return;
        await instances.ChangeAsync(instance.Id, current =>
        {
            current.Status = InstanceStatus.Shutdown;
            current.Step = InstanceSteps.Delete;
            current.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
            return true;
        }, cancellationToken);
        signal.Notify();
    }

    public async Task<InstanceRecord> UpdateAsync(CallerContext caller, string projectId, string id, InstanceUpdate? update, CancellationToken cancellationToken)
    {
        var instance = await FindAsync(caller, projectId, id, cancellationToken);
        if (update is null)
            throw ApiFault.BadRequest("The request body must hold an 'instance' object.");
        var name = update.Name?.Trim();
        if (update.Name is not null && (string.IsNullOrEmpty(name) || name.Length > 255))
            throw ApiFault.BadRequest("An instance name must have 1 to 255 characters.");
        if (update.Access is not null)
            throw ApiFault.BadRequest("Changing the access of a running instance is not supported by this cloud yet.");
        return await instances.ChangeAsync(instance.Id, current =>
        {
            if (name is null)
                return false;
            current.Name = name;
            current.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
            return true;
        }, cancellationToken) ?? throw ApiFault.NotFound($"Instance {id} cannot be found.");
    }

    /// <summary>Requires an ACTIVE instance for work its agent must do; Trove answers 422 otherwise.</summary>
    public static void RequireActive(InstanceRecord instance)
    {
        if (instance.Status is not (InstanceStatus.Active or InstanceStatus.RestartRequired))
            throw TroveFaultFormat.NotReady($"Instance {instance.Id} is not ready (status {instance.Status}).");
    }

    public async Task SetStatusAsync(string id, string status, Func<InstanceRecord, bool>? also, CancellationToken cancellationToken)
    {
        await instances.ChangeAsync(id, current =>
        {
            current.Status = status;
            also?.Invoke(current);
            current.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
            return true;
        }, cancellationToken);
    }
}
