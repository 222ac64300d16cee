using CloudBox.Objects.Storage;

namespace CloudBox.Objects.S3.Handlers;

/// <summary>ListBuckets: the containers of the caller's project.</summary>
internal static class ServiceHandlers
{
    public static async Task ListBucketsAsync(S3Context context)
    {
        var buckets = new List<ContainerRecord>();
        string? marker = null;
        while (true)
        {
            var page = await context.Services.Store.ListContainersAsync(context.Caller.ProjectId, new ListingQuery(Marker: marker, Limit: 1000), context.Aborted);
            foreach (var entry in page)
            {
                if (entry.Item is not null)
                    buckets.Add(entry.Item);
            }
            if (page.Count < 1000)
                break;
            marker = page[^1].Item?.Name ?? page[^1].Subdir;
        }

        var xml = new S3XmlWriter("ListAllMyBucketsResult");
        xml.Start("Owner").Element("ID", context.Caller.ProjectId).Element("DisplayName", context.Caller.Context.ProjectName).End();
        xml.Start("Buckets");
        foreach (var bucket in buckets)
            xml.Start("Bucket").Element("Name", bucket.Name).Element("CreationDate", ObjectMetadata.XmlDate(bucket.CreatedAt)).End();
        xml.End();
        await xml.WriteToAsync(context.Response, context.Aborted);
    }
}
