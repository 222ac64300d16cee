using CloudBox.Objects.Storage;
using Dapper;

namespace CloudBox.Objects.S3;

/// <summary>
/// Finds the bucket a request names among the caller's project's containers. S3 bucket names
/// are global, so a name that only another project holds is refused as AccessDenied (it exists,
/// but is not yours) rather than NoSuchBucket.
/// </summary>
internal static class BucketAccess
{
    public static async Task<ContainerRecord> RequireAsync(S3Context context)
    {
        var found = await context.Services.Store.FindContainerAsync(context.Caller.ProjectId, context.Bucket, context.Aborted);
        if (found is not null)
            return found;
        if (await HeldByAnotherProjectAsync(context))
            throw S3Error.AccessDenied();
        throw S3Error.NoSuchBucket(context.Bucket);
    }

    public static async Task<bool> HeldByAnotherProjectAsync(S3Context context)
    {
        await using var connection = await context.Services.Store.Database.OpenAsync(context.Aborted);
        var owners = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM objects_containers WHERE name = @name AND project_id <> @projectId",
            new { name = context.Bucket, projectId = context.Caller.ProjectId });
        return owners > 0;
    }
}
