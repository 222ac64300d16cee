namespace CloudBox.Objects.S3.Handlers;

/// <summary>
/// GetBucketAcl / GetObjectAcl: access follows the project's roles, so every bucket and object
/// is private to its project; answered as the owner (the project) holding FULL_CONTROL, which
/// is what clients that inspect ACLs (s3cmd info, backup tools) expect to read.
/// </summary>
internal static class AclHandler
{
    public static async Task GetAsync(S3Context context)
    {
        if (context.Key.Length > 0)
            await ObjectHandlers.RequireObjectAsync(context);
        else
            await BucketAccess.RequireAsync(context);
        var owner = context.Caller.ProjectId;
        var name = context.Caller.Context.ProjectName;
        var xml = new S3XmlWriter("AccessControlPolicy");
        xml.Start("Owner").Element("ID", owner).Element("DisplayName", name).End();
        xml.Start("AccessControlList").Start("Grant");
        xml.StartGrantee(owner, name);
        xml.Element("Permission", "FULL_CONTROL").End().End();
        await xml.WriteToAsync(context.Response, context.Aborted);
    }
}
