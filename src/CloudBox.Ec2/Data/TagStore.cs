using CloudBox.Core.Data;
using CloudBox.Ec2.Api;
using Dapper;

namespace CloudBox.Ec2.Data;

/// <summary>The <c>ec2_tags</c> table: tags on EC2 ids, per project; at most 50 per resource, as in EC2.</summary>
internal sealed class TagStore(Database database)
{
    public const int MaxTagsPerResource = 50;

    public sealed record TagRow(string ResourceId, string TagKey, string TagValue);

    public async Task SetAsync(string projectId, IReadOnlyList<string> resourceIds, IReadOnlyList<KeyValuePair<string, string>> tags, CancellationToken cancellationToken)
    {
        foreach (var (key, value) in tags)
        {
            if (key.Length is 0 or > 127 || value.Length > 255 || key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
                throw Ec2Error.InvalidParameterValue($"Tag key '{key}' must be 1 to 127 characters and not start with 'aws:'; values at most 255 characters.");
        }
        if (tags.Count == 0 || resourceIds.Count == 0)
            return;
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var resourceId in resourceIds)
            {
                await database.LockAsync(connection, transaction, "ec2-tags:" + resourceId);
                foreach (var (key, value) in tags)
                {
                    await connection.ExecuteAsync("DELETE FROM ec2_tags WHERE project_id = @projectId AND resource_id = @resourceId AND tag_key = @key",
                        new { projectId, resourceId, key }, transaction);
                    await connection.ExecuteAsync("INSERT INTO ec2_tags (project_id, resource_id, tag_key, tag_value) VALUES (@projectId, @resourceId, @key, @value)",
                        new { projectId, resourceId, key, value }, transaction);
                }
                var count = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM ec2_tags WHERE project_id = @projectId AND resource_id = @resourceId",
                    new { projectId, resourceId }, transaction);
                if (count > MaxTagsPerResource)
                    throw new Ec2Error(400, "TagLimitExceeded", $"The maximum number of tags ({MaxTagsPerResource}) for resource '{resourceId}' has been reached.");
            }
        }, cancellationToken);
    }

    /// <summary>Deletes tags by key (any value) or by key and value when a value is given; all of a resource's tags when none are.</summary>
    public async Task DeleteAsync(string projectId, IReadOnlyList<string> resourceIds, IReadOnlyList<KeyValuePair<string, string?>> tags, CancellationToken cancellationToken)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var resourceId in resourceIds)
            {
                if (tags.Count == 0)
                {
                    await connection.ExecuteAsync("DELETE FROM ec2_tags WHERE project_id = @projectId AND resource_id = @resourceId", new { projectId, resourceId }, transaction);
                    continue;
                }
                foreach (var (key, value) in tags)
                {
                    await connection.ExecuteAsync(value is null
                            ? "DELETE FROM ec2_tags WHERE project_id = @projectId AND resource_id = @resourceId AND tag_key = @key"
                            : "DELETE FROM ec2_tags WHERE project_id = @projectId AND resource_id = @resourceId AND tag_key = @key AND tag_value = @value",
                        new { projectId, resourceId, key, value }, transaction);
                }
            }
        }, cancellationToken);
    }

    /// <summary>The tags of the given resources, by resource id.</summary>
    public async Task<Dictionary<string, List<KeyValuePair<string, string>>>> ForAsync(string projectId, IReadOnlyCollection<string> resourceIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, List<KeyValuePair<string, string>>>(StringComparer.Ordinal);
        if (resourceIds.Count == 0)
            return result;
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<TagRow>(new CommandDefinition(
            $"SELECT resource_id AS ResourceId, tag_key AS TagKey, tag_value AS TagValue FROM ec2_tags WHERE project_id = @projectId AND {IdList.Where(database, "resource_id", "ids")} ORDER BY resource_id, tag_key",
            new { projectId, ids = IdList.Value(database, resourceIds.Distinct()) }, cancellationToken: cancellationToken));
        foreach (var row in rows)
        {
            if (!result.TryGetValue(row.ResourceId, out var list))
                result[row.ResourceId] = list = [];
            list.Add(new(row.TagKey, row.TagValue));
        }
        return result;
    }

    /// <summary>A page of the project's tags in (resource, key) order after <paramref name="after"/>.</summary>
    public async Task<List<TagRow>> ListAsync(string projectId, string? afterResource, string? afterKey, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<TagRow>(new CommandDefinition(
            "SELECT resource_id AS ResourceId, tag_key AS TagKey, tag_value AS TagValue FROM ec2_tags WHERE project_id = @projectId " +
            (afterResource is null ? "" : "AND (resource_id > @afterResource OR (resource_id = @afterResource AND tag_key > @afterKey)) ") +
            "ORDER BY resource_id, tag_key LIMIT @limit",
            new { projectId, afterResource, afterKey, limit }, cancellationToken: cancellationToken));
        return rows.ToList();
    }
}
