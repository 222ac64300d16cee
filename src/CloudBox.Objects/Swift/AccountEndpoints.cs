using System.Globalization;
using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>
/// <c>/v1/AUTH_project</c>: HEAD for totals and metadata, GET to list containers, POST for
/// metadata and bulk delete. Accounts exist implicitly (Swift's account_autocreate).
/// </summary>
internal static class AccountEndpoints
{
    public static async Task HandleAsync(SwiftRequest request)
    {
        request.Authorize(SwiftOperation.OwnerOnly, null);
        var method = request.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
            await ReadAsync(request, HttpMethods.IsGet(method));
        else if ((HttpMethods.IsPost(method) || HttpMethods.IsDelete(method)) && request.HasQuery("bulk-delete"))
            await BulkDelete.HandleAsync(request);
        else if (HttpMethods.IsPost(method))
            await UpdateAsync(request);
        else
            throw SwiftFaults.MethodNotAllowed();
    }

    private static async Task ReadAsync(SwiftRequest request, bool list)
    {
        var format = ListingFormats.Choose(request.Request);
        var query = list ? ListingRequest.Parse(request) : null;
        var (containers, objects, bytes) = await request.Store.AccountTotalsAsync(request.ProjectId, request.Aborted);
        var metadata = await request.Store.AccountMetadataAsync(request.ProjectId, request.Aborted);
        var response = request.Response;
        response.Headers["X-Account-Container-Count"] = containers.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Account-Object-Count"] = objects.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Account-Bytes-Used"] = bytes.ToString(CultureInfo.InvariantCulture);
        var now = SwiftHeaders.XTimestamp(Core.Ids.Timestamps.ToStorage(request.Backend.Clock.GetUtcNow()));
        response.Headers["X-Timestamp"] = now;
        response.Headers["X-Put-Timestamp"] = now;
        response.Headers["X-Account-Storage-Policy-Policy-0-Container-Count"] = containers.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Account-Storage-Policy-Policy-0-Object-Count"] = objects.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Account-Storage-Policy-Policy-0-Bytes-Used"] = bytes.ToString(CultureInfo.InvariantCulture);
        response.Headers.AcceptRanges = "bytes";
        response.Headers.Vary = "Accept";
        SwiftHeaders.WriteMetadata(response, "Account", metadata);
        response.ContentType = ListingFormats.ContentType(format);

        if (query is null)
        {
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        var entries = await request.Store.ListContainersAsync(request.ProjectId, query, request.Aborted);
        await WriteListingAsync(request, ListingWriter.Containers(entries, format, request.Path.Account), format, entries.Count);
    }

    /// <summary>An empty plain listing is 204 No Content, as Swift answers it.</summary>
    public static async Task WriteListingAsync(SwiftRequest request, byte[] body, ListingFormat format, int count)
    {
        var response = request.Response;
        if (count == 0 && format == ListingFormat.Plain)
        {
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, request.Aborted);
    }

    private static async Task UpdateAsync(SwiftRequest request)
    {
        var metadata = await request.Store.AccountMetadataAsync(request.ProjectId, request.Aborted);
        SwiftHeaders.ApplyMetadata(request.Request.Headers, "Account", metadata);
        await request.Store.SetAccountMetadataAsync(request.ProjectId, metadata, request.Aborted);
        request.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}
