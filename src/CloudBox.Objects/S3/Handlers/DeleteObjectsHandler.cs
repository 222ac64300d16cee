using System.Xml;
using System.Xml.Linq;

namespace CloudBox.Objects.S3.Handlers;

/// <summary>DeleteObjects (<c>POST /bucket?delete</c>): up to 1000 keys in one request, each answered as Deleted or Error.</summary>
internal static class DeleteObjectsHandler
{
    private const int MaxKeys = 1000;

    public static async Task HandleAsync(S3Context context)
    {
        context.RequireWrite();
        await BucketAccess.RequireAsync(context);
        var body = await UploadedBody.ReadSmallAsync(context);
        var (keys, quiet) = Parse(body);

        var xml = new S3XmlWriter("DeleteResult");
        foreach (var key in keys)
        {
            try
            {
                await context.Services.Store.DeleteObjectAsync(context.Caller.ProjectId, context.Bucket, key, context.Aborted);
                if (!quiet)
                    xml.Start("Deleted").Element("Key", key).End();
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                xml.Start("Error").Element("Key", key).Element("Code", "InternalError").Element("Message", "We encountered an internal error. Please try again.").End();
            }
        }
        await xml.WriteToAsync(context.Response, context.Aborted);
    }

    private static (List<string> Keys, bool Quiet) Parse(byte[] body)
    {
        XDocument document;
        try
        {
            document = XDocument.Load(new MemoryStream(body), LoadOptions.None);
        }
        catch (XmlException)
        {
            throw S3Error.MalformedXml();
        }
        var root = document.Root;
        if (root is null || root.Name.LocalName != "Delete")
            throw S3Error.MalformedXml();
        var quiet = root.Elements().FirstOrDefault(e => e.Name.LocalName == "Quiet")?.Value.Trim() == "true";
        var keys = root.Elements().Where(e => e.Name.LocalName == "Object")
            .Select(o => o.Elements().FirstOrDefault(e => e.Name.LocalName == "Key")?.Value ?? throw S3Error.MalformedXml())
            .ToList();
        if (keys.Count is 0 or > MaxKeys)
            throw S3Error.MalformedXml();
        return (keys, quiet);
    }
}
