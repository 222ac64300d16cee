using CloudBox.Core.Data;
using CloudBox.Core.Images;
using Dapper;

namespace CloudBox.Images.Images;

/// <summary>Every image for Telemetry's <c>image.size</c> meter, a page at a time by id.</summary>
internal sealed class ImageUsageSource(Database database) : IImageUsage
{
    public async Task<IReadOnlyList<ImageUsage>> ListAsync(string after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, string? Owner, string? Name, string Status, string? DiskFormat, string? ContainerFormat, long? Size)>(new CommandDefinition(
            "SELECT id, owner, name, status, disk_format, container_format, size FROM images_images WHERE id > @after ORDER BY id LIMIT @limit",
            new { after, limit = Math.Clamp(limit, 1, 10_000) }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new ImageUsage(r.Id, r.Owner, r.Name, r.Status, r.DiskFormat, r.ContainerFormat, r.Size))];
    }
}
