using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>
/// <c>/v1/AUTH_project/container/object</c>: authorizes (owner, container ACL or TempURL), then
/// hands the request to the download, upload, copy, metadata, large-object or delete handler.
/// </summary>
internal static class ObjectEndpoints
{
    public static async Task HandleAsync(SwiftRequest request)
    {
        var container = await request.Store.FindContainerAsync(request.ProjectId, request.Path.Container!, request.Aborted);
        if (TempUrl.IsPresent(request))
        {
            await TempUrl.VerifyAsync(request, container?.MetadataMap() ?? []);
            request.TempUrlGranted = true;
        }
        var method = request.Request.Method;
        var read = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || method.Equals("COPY", StringComparison.OrdinalIgnoreCase);
        request.Authorize(read ? SwiftOperation.ReadObject : SwiftOperation.WriteObject, container);
        if (container is null)
            throw SwiftFaults.NotFound();

        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
            await ObjectDownload.HandleAsync(request, HttpMethods.IsGet(method));
        else if (HttpMethods.IsPut(method))
        {
            if (request.Header("X-Copy-From") is { } source)
                await ObjectCopy.CopyAsync(request, FromReference(request, source, request.Header("X-Copy-From-Account")), request.Path, container);
            else if (request.Query("multipart-manifest") == "put")
                await StaticLargeObjects.PutAsync(request, container);
            else
                await ObjectUpload.PutAsync(request, container);
        }
        else if (method.Equals("COPY", StringComparison.OrdinalIgnoreCase))
            await CopyToDestinationAsync(request);
        else if (HttpMethods.IsPost(method))
            await ObjectUpload.PostAsync(request);
        else if (HttpMethods.IsDelete(method))
        {
            if (request.Query("multipart-manifest") == "delete")
                await StaticLargeObjects.DeleteAsync(request);
            else
                await ObjectVersioning.DeleteAsync(request, container);
        }
        else
            throw SwiftFaults.MethodNotAllowed();
    }

    /// <summary>COPY: the source is the request path, the target the <c>Destination</c> header (and <c>Destination-Account</c>).</summary>
    private static async Task CopyToDestinationAsync(SwiftRequest request)
    {
        var destination = request.Header("Destination") ?? throw SwiftFaults.PreconditionFailed("You must provide a Destination header");
        var target = FromReference(request, destination, request.Header("Destination-Account"));
        if (target.Object is null)
            throw SwiftFaults.PreconditionFailed("Destination header must be of the form <container name>/<object name>");
        var targetRequest = new SwiftRequest(request.Context, target, request.Backend);
        var targetContainer = await request.Store.FindContainerAsync(target.ProjectId, target.Container!, request.Aborted);
        targetRequest.Authorize(SwiftOperation.WriteObject, targetContainer);
        await ObjectCopy.CopyAsync(targetRequest, request.Path, target, targetContainer ?? throw SwiftFaults.NotFound());
    }

    /// <summary>A "container/object" header value (URL-encoded), in the request's account or the one named.</summary>
    private static SwiftPath FromReference(SwiftRequest request, string reference, string? account)
    {
        var (container, name) = SwiftPath.SplitReference(Uri.UnescapeDataString(reference));
        if (container.Length == 0 || name is null)
            throw SwiftFaults.PreconditionFailed("X-Copy-From header must be of the form <container name>/<object name>");
        SwiftPath.Validate(container, name);
        account = string.IsNullOrEmpty(account) ? request.Path.Account : Uri.UnescapeDataString(account);
        if (!account.StartsWith(SwiftPath.AccountPrefix, StringComparison.Ordinal))
            throw SwiftFaults.PreconditionFailed("Invalid account");
        return new SwiftPath(account, account[SwiftPath.AccountPrefix.Length..], container, name);
    }

    /// <summary>Finds an object or answers 404.</summary>
    public static async Task<ObjectRecord> RequireObjectAsync(SwiftRequest request, SwiftPath path) =>
        await request.Store.FindObjectAsync(path.ProjectId, path.Container!, path.Object!, request.Aborted) ?? throw SwiftFaults.NotFound();
}
