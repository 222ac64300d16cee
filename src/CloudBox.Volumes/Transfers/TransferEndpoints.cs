using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Paging;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Quotas;
using CloudBox.Volumes.Snapshots;
using CloudBox.Volumes.Volumes;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Volumes.Transfers;

/// <summary>
/// <c>/v3/{project_id}/os-volume-transfer</c> (what cinderclient uses below 3.55): a project offers an
/// available volume, which then waits in <c>awaiting-transfer</c>; the creator gets the
/// <c>auth_key</c> once; another project accepts with transfer id and key, and the volume with its
/// snapshots becomes that project's, counted against its quotas from then on. Deleting the offer
/// makes the volume available again. Each step is one transaction.
/// </summary>
public static class TransferEndpoints
{
    public const string Collection = "os-volume-transfer";

    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapPost($"/{Collection}", CreateAsync);
        project.MapGet($"/{Collection}", (string projectId, HttpContext context, TransferStore transfers, PolicyEngine policy, CancellationToken cancellationToken) =>
            ListAsync(projectId, false, context, transfers, policy, cancellationToken));
        project.MapGet($"/{Collection}/detail", (string projectId, HttpContext context, TransferStore transfers, PolicyEngine policy, CancellationToken cancellationToken) =>
            ListAsync(projectId, true, context, transfers, policy, cancellationToken));
        project.MapGet($"/{Collection}/{{id}}", ShowAsync);
        project.MapDelete($"/{Collection}/{{id}}", DeleteAsync);
        project.MapPost($"/{Collection}/{{id}}/accept", AcceptAsync);
    }

    private static JsonObject Summary(TransferRecord transfer, HttpContext context) => new()
    {
        ["id"] = transfer.Id,
        ["name"] = transfer.Name,
        ["volume_id"] = transfer.VolumeId,
        ["links"] = VolumeJson.Links(context.Request, transfer.ProjectId, Collection, transfer.Id),
    };

    private static JsonObject Detail(TransferRecord transfer, HttpContext context)
    {
        var json = Summary(transfer, context);
        json["created_at"] = VolumeJson.Cinder(transfer.CreatedAt);
        return json;
    }

    private static async Task<TransferRecord> FindVisibleAsync(string id, CallerContext caller, TransferStore transfers, CancellationToken cancellationToken)
    {
        var transfer = await transfers.FindAsync(id, cancellationToken);
        if (transfer is null || !VolumesRequest.CanSee(caller, transfer.ProjectId))
            throw ApiFault.NotFound($"Transfer {id} could not be found.");
        return transfer;
    }

    private static async Task<IResult> ListAsync(string projectId, bool detail, HttpContext context, TransferStore transfers, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:get_all_transfers");
        VolumesRequest.RequireProject(caller, projectId);
        var allProjects = VolumesRequest.IsAdmin(caller) && context.Request.QueryBool("all_tenants") == true;
        var list = new JsonArray();
        foreach (var transfer in PageRequest.FromQuery(context.Request).Apply(await transfers.ListAsync(allProjects ? null : projectId, cancellationToken), t => t.Id))
            list.Add(detail ? Detail(transfer, context) : Summary(transfer, context));
        return JsonBody.Node(new JsonObject { ["transfers"] = list });
    }

    private static async Task<IResult> ShowAsync(string projectId, string id, HttpContext context, TransferStore transfers, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:get_transfer");
        VolumesRequest.RequireProject(caller, projectId);
        return JsonBody.Node(new JsonObject { ["transfer"] = Detail(await FindVisibleAsync(id, caller, transfers, cancellationToken), context) });
    }

    /// <summary>Only an available volume whose snapshots are all available can be offered; it waits in awaiting-transfer.</summary>
    private static async Task<IResult> CreateAsync(
        string projectId, HttpContext context, TransferStore transfers, VolumeStore volumes, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:create_transfer");
        VolumesRequest.RequireProject(caller, projectId);
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "transfer");
        var volumeId = VolumesRequest.OptionalString(body, "volume_id") ?? throw ApiFault.BadRequest("Missing required element 'volume_id' in request body.");
        if (VolumesRequest.OptionalBool(body, "no_snapshots") == true)
            throw ApiFault.BadRequest("Invalid input: 'no_snapshots' needs microversion 3.55, and this cloud serves up to " + VolumeApiVersion.Maximum + ".");
        var volume = await VolumeEndpoints.FindVisibleAsync(volumeId, caller, volumes, cancellationToken);
        var key = TransferKey.NewKey();
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var salt = TransferKey.NewSalt();
        var transfer = new TransferRecord
        {
            Id = Identifiers.NewUuid(), VolumeId = volume.Id, ProjectId = volume.ProjectId, Name = VolumesRequest.OptionalString(body, "name"),
            Salt = salt, CryptHash = TransferKey.Hash(salt, key), CreatedAt = now,
        };
        var database = transfers.Database;
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "volumes:volume:" + volume.Id);
            var status = await connection.ExecuteScalarAsync<string?>("SELECT status FROM volumes_volumes WHERE id = @id", new { id = volume.Id }, transaction);
            if (status != VolumeStatus.Available)
                throw ApiFault.BadRequest($"Invalid volume: status must be available (volume {volume.Id} is {status}).");
            var busy = await connection.QueryFirstOrDefaultAsync<(string Id, string Status)?>(
                "SELECT id, status FROM volumes_snapshots WHERE volume_id = @id AND status <> @available", new { id = volume.Id, available = SnapshotStatus.Available }, transaction);
            if (busy is { } snapshot)
                throw ApiFault.BadRequest($"Invalid snapshot: snapshot: {snapshot.Id} status must be available (it is {snapshot.Status}).");
            await connection.ExecuteAsync("UPDATE volumes_volumes SET status = @awaiting, updated_at = @now WHERE id = @id",
                new { awaiting = VolumeStatus.AwaitingTransfer, now, id = volume.Id }, transaction);
            await connection.ExecuteAsync($"INSERT INTO volumes_transfers ({TransferStore.Columns}) VALUES ({TransferStore.Values})", transfer, transaction);
        }, cancellationToken);
        var json = Detail(transfer, context);
        json["auth_key"] = key;
        return JsonBody.Node(new JsonObject { ["transfer"] = json }, StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> DeleteAsync(
        string projectId, string id, HttpContext context, TransferStore transfers, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:delete_transfer");
        VolumesRequest.RequireProject(caller, projectId);
        var transfer = await FindVisibleAsync(id, caller, transfers, cancellationToken);
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var database = transfers.Database;
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "volumes:volume:" + transfer.VolumeId);
            if (await connection.ExecuteAsync("DELETE FROM volumes_transfers WHERE id = @id", new { id }, transaction) != 1)
                throw ApiFault.NotFound($"Transfer {id} could not be found.");
            await connection.ExecuteAsync("UPDATE volumes_volumes SET status = @available, updated_at = @now WHERE id = @volumeId AND status = @awaiting",
                new { available = VolumeStatus.Available, now, volumeId = transfer.VolumeId, awaiting = VolumeStatus.AwaitingTransfer }, transaction);
        }, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// Any project that knows the id and the key takes the volume: a wrong key is 400 (Cinder's
    /// InvalidAuthKey), the recipient's volume, gigabyte and snapshot quotas are checked (413), and
    /// volume and snapshots change project in one transaction with the transfer's removal.
    /// </summary>
    private static async Task<IResult> AcceptAsync(
        string projectId, string id, HttpContext context, TransferStore transfers, Admission admission, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:accept_transfer");
        VolumesRequest.RequireProject(caller, projectId);
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "accept");
        var key = VolumesRequest.OptionalString(body, "auth_key") ?? throw ApiFault.BadRequest("Missing required element 'auth_key' in request body.");
        var transfer = await transfers.FindAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Transfer {id} could not be found.");
        if (!TransferKey.Matches(transfer, key))
            throw ApiFault.BadRequest($"Invalid auth key: Attempt to transfer {id} with invalid auth key.");
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var database = transfers.Database;
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var volume = await connection.QuerySingleOrDefaultAsync<(int RequestedSizeGb, string Status)?>(
                "SELECT requested_size_gb, status FROM volumes_volumes WHERE id = @volumeId", new { volumeId = transfer.VolumeId }, transaction)
                ?? throw ApiFault.NotFound($"Volume {transfer.VolumeId} could not be found.");
            var snapshots = await connection.QuerySingleAsync<(long Count, long Gigabytes)>(
                "SELECT COUNT(*), COALESCE(SUM(size_gb), 0) FROM volumes_snapshots WHERE volume_id = @volumeId", new { volumeId = transfer.VolumeId }, transaction);
            await admission.CheckTransferAsync(connection, transaction, projectId, (int)snapshots.Count, volume.RequestedSizeGb + snapshots.Gigabytes);
            await database.LockAsync(connection, transaction, "volumes:volume:" + transfer.VolumeId);
            if (await connection.ExecuteAsync("DELETE FROM volumes_transfers WHERE id = @id", new { id }, transaction) != 1)
                throw ApiFault.NotFound($"Transfer {id} could not be found.");
            if (await connection.ExecuteAsync(
                    "UPDATE volumes_volumes SET project_id = @projectId, user_id = @userId, status = @available, updated_at = @now WHERE id = @volumeId AND status = @awaiting",
                    new { projectId, userId = caller.UserId, available = VolumeStatus.Available, now, volumeId = transfer.VolumeId, awaiting = VolumeStatus.AwaitingTransfer },
                    transaction) != 1)
                throw ApiFault.BadRequest($"Invalid volume: volume {transfer.VolumeId} is no longer awaiting transfer.");
            await connection.ExecuteAsync("UPDATE volumes_snapshots SET project_id = @projectId, user_id = @userId, updated_at = @now WHERE volume_id = @volumeId",
                new { projectId, userId = caller.UserId, now, volumeId = transfer.VolumeId }, transaction);
        }, cancellationToken);
        return JsonBody.Node(new JsonObject
        {
            ["transfer"] = new JsonObject
            {
                ["id"] = transfer.Id,
                ["name"] = transfer.Name,
                ["volume_id"] = transfer.VolumeId,
                ["links"] = VolumeJson.Links(context.Request, projectId, Collection, transfer.Id),
            },
        }, StatusCodes.Status202Accepted);
    }
}
