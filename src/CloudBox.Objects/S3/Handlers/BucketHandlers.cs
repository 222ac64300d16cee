using CloudBox.Objects.Storage;

namespace CloudBox.Objects.S3.Handlers;

/// <summary>CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation and GetBucketVersioning: a bucket is the project's container of that name.</summary>
internal static class BucketHandlers
{
    public static async Task CreateAsync(S3Context context)
    {
        context.RequireWrite();
        if (!IsValidName(context.Bucket))
            throw new S3Error(400, "InvalidBucketName", "The specified bucket is not valid.").With("BucketName", context.Bucket);
        // The body, if any, is a CreateBucketConfiguration naming a region; one region serves all.
        await UploadedBody.ReadSmallAsync(context, 64 * 1024);

        if (await BucketAccess.HeldByAnotherProjectAsync(context))
            throw new S3Error(409, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
                .With("BucketName", context.Bucket);
        var store = context.Services.Store;
        // Checked first so an existing container's Swift metadata and ACLs are never reset by a create.
        var exists = await store.FindContainerAsync(context.Caller.ProjectId, context.Bucket, context.Aborted) is not null;
        if (exists || !await store.PutContainerAsync(new ContainerRecord { ProjectId = context.Caller.ProjectId, Name = context.Bucket }, context.Aborted))
            throw new S3Error(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
                .With("BucketName", context.Bucket);
        context.Response.Headers.Location = "/" + context.Bucket;
        context.Response.StatusCode = 200;
    }

    public static async Task DeleteAsync(S3Context context)
    {
        context.RequireWrite();
        var bucket = await BucketAccess.RequireAsync(context);
        var store = context.Services.Store;
        if (bucket.ObjectCount > 0)
            throw NotEmpty(context);
        // Unfinished multipart uploads go with the bucket; their parts' blobs would otherwise outlive it.
        foreach (var upload in await store.ListUploadsAsync(context.Caller.ProjectId, context.Bucket, null, context.Aborted))
            await store.AbortUploadAsync(upload.UploadId, context.Aborted);
        if (!await store.DeleteContainerAsync(context.Caller.ProjectId, context.Bucket, context.Aborted))
            throw NotEmpty(context);
        context.Response.StatusCode = 204;
    }

    public static async Task HeadAsync(S3Context context)
    {
        await BucketAccess.RequireAsync(context);
        context.Response.Headers["x-amz-bucket-region"] = context.Services.Region;
        context.Response.StatusCode = 200;
    }

    /// <summary>Every bucket is in this cloud's one region, the region requests must be signed for.</summary>
    public static async Task GetLocationAsync(S3Context context)
    {
        await BucketAccess.RequireAsync(context);
        await new S3XmlWriter("LocationConstraint").Text(context.Services.Region).WriteToAsync(context.Response, context.Aborted);
    }

    public static async Task GetVersioningAsync(S3Context context)
    {
        await BucketAccess.RequireAsync(context);
        await new S3XmlWriter("VersioningConfiguration").WriteToAsync(context.Response, context.Aborted);
    }

    private static S3Error NotEmpty(S3Context context) =>
        new S3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty").With("BucketName", context.Bucket);

    /// <summary>S3's rules: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.</summary>
    private static bool IsValidName(string name)
    {
        if (name.Length is < 3 or > 63 || !IsLowerOrDigit(name[0]) || !IsLowerOrDigit(name[^1]))
            return false;
        foreach (var c in name)
        {
            if (!IsLowerOrDigit(c) && c is not '.' and not '-')
                return false;
        }
        return !name.Contains("..", StringComparison.Ordinal);
    }

    private static bool IsLowerOrDigit(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
}
