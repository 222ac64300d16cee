using System.Globalization;
using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>
/// <c>/v1/AUTH_project/container</c>: PUT creates (201) or updates (202), POST updates metadata,
/// ACLs and versioning, DELETE removes an empty container, HEAD/GET report and list.
/// </summary>
internal static class ContainerEndpoints
{
    /// <summary>Container metadata key for the versioning mode: "stack" (X-Versions-Location) or "history" (X-History-Location).</summary>
    public const string VersionsModeKey = "versions:mode";

    public static async Task HandleAsync(SwiftRequest request)
    {
        var method = request.Request.Method;
        var container = await request.Store.FindContainerAsync(request.ProjectId, request.Path.Container!, request.Aborted);
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            request.Authorize(SwiftOperation.ListContainer, container);
            await ReadAsync(request, container ?? throw SwiftFaults.NotFound(), HttpMethods.IsGet(method));
            return;
        }
        request.Authorize(SwiftOperation.OwnerOnly, container);
        if (HttpMethods.IsPut(method))
            await PutAsync(request, container);
        else if (HttpMethods.IsPost(method))
            await PostAsync(request, container ?? throw SwiftFaults.NotFound());
        else if (HttpMethods.IsDelete(method))
            await DeleteAsync(request, container ?? throw SwiftFaults.NotFound());
        else
            throw SwiftFaults.MethodNotAllowed();
    }

    private static async Task PutAsync(SwiftRequest request, ContainerRecord? existing)
    {
        var container = existing ?? new ContainerRecord { ProjectId = request.ProjectId, Name = request.Path.Container! };
        Apply(request, container);
        var created = await request.Store.PutContainerAsync(container, request.Aborted);
        request.Response.StatusCode = created ? StatusCodes.Status201Created : StatusCodes.Status202Accepted;
        request.Response.ContentLength = 0;
        request.Response.ContentType = "text/html; charset=UTF-8";
    }

    private static async Task PostAsync(SwiftRequest request, ContainerRecord container)
    {
        Apply(request, container);
        await request.Store.PutContainerAsync(container, request.Aborted);
        request.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task DeleteAsync(SwiftRequest request, ContainerRecord container)
    {
        if (!await request.Store.DeleteContainerAsync(request.ProjectId, container.Name, request.Aborted))
            throw SwiftFaults.Conflict();
        request.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>Applies metadata, ACL and versioning headers of a PUT or POST to <paramref name="container"/>.</summary>
    private static void Apply(SwiftRequest request, ContainerRecord container)
    {
        var headers = request.Request.Headers;
        var metadata = container.MetadataMap();
        SwiftHeaders.ApplyMetadata(headers, "Container", metadata);

        if (request.Header("X-Container-Read") is { } read)
            container.ReadAcl = ContainerAcl.Normalize(read, isWrite: false);
        if (headers.ContainsKey("X-Remove-Container-Read"))
            container.ReadAcl = "";
        if (request.Header("X-Container-Write") is { } write)
            container.WriteAcl = ContainerAcl.Normalize(write, isWrite: true);
        if (headers.ContainsKey("X-Remove-Container-Write"))
            container.WriteAcl = "";

        var stack = request.Header("X-Versions-Location");
        var history = request.Header("X-History-Location");
        if (stack is not null && history is not null)
            throw SwiftFaults.BadRequest("Only one of X-Versions-Location or X-History-Location may be specified");
        if ((stack ?? history) is { } location)
        {
            location = Uri.UnescapeDataString(location);
            if (location.Length == 0)
            {
                container.VersionsLocation = null;
                metadata.Remove(VersionsModeKey);
            }
            else
            {
                if (location.Contains('/', StringComparison.Ordinal))
                    throw SwiftFaults.PreconditionFailed("Container name cannot contain slashes");
                SwiftPath.Validate(location, null);
                container.VersionsLocation = location;
                metadata[VersionsModeKey] = stack is not null ? "stack" : "history";
            }
        }
        if (headers.ContainsKey("X-Remove-Versions-Location") || headers.ContainsKey("X-Remove-History-Location"))
        {
            container.VersionsLocation = null;
            metadata.Remove(VersionsModeKey);
        }
        container.SetMetadata(metadata);
    }

    private static async Task ReadAsync(SwiftRequest request, ContainerRecord container, bool list)
    {
        var format = ListingFormats.Choose(request.Request);
        var query = list ? ListingRequest.Parse(request) : null;
        var response = request.Response;
        response.Headers["X-Container-Object-Count"] = container.ObjectCount.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Container-Bytes-Used"] = container.BytesUsed.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Timestamp"] = SwiftHeaders.XTimestamp(container.CreatedAt);
        response.Headers["X-Put-Timestamp"] = SwiftHeaders.XTimestamp(container.CreatedAt);
        response.Headers.LastModified = SwiftHeaders.HttpDate(SwiftHeaders.LastModified(container.CreatedAt));
        response.Headers["X-Storage-Policy"] = "Policy-0";
        response.Headers.AcceptRanges = "bytes";
        response.Headers.Vary = "Accept";
        var metadata = container.MetadataMap();
        SwiftHeaders.WriteMetadata(response, "Container", metadata);
        // ACLs and versioning are the owner's business; ACL-granted readers do not see them.
        if (request.IsOwner(request.Caller))
        {
            if (container.ReadAcl.Length > 0)
                response.Headers["X-Container-Read"] = container.ReadAcl;
            if (container.WriteAcl.Length > 0)
                response.Headers["X-Container-Write"] = container.WriteAcl;
            if (container.VersionsLocation is { } location)
                response.Headers[metadata.GetValueOrDefault(VersionsModeKey) == "history" ? "X-History-Location" : "X-Versions-Location"] = SwiftHeaders.HeaderSafe(location);
        }
        response.ContentType = ListingFormats.ContentType(format);
        if (query is null)
        {
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        var entries = await request.Store.ListObjectsAsync(request.ProjectId, container.Name, query, request.Aborted);
        await AccountEndpoints.WriteListingAsync(request, ListingWriter.Objects(entries, format, container.Name), format, entries.Count);
    }
}
