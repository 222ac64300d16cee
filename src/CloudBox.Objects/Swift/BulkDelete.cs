using CloudBox.Objects.Storage;

namespace CloudBox.Objects.Swift;

/// <summary>
/// <c>POST /v1/AUTH_p?bulk-delete</c>: a newline-separated body of URL-encoded
/// "/container/object" or "/container" paths, each deleted in turn (containers must be empty).
/// </summary>
internal static class BulkDelete
{
    public const int MaxDeletes = 10_000;
    private const long MaxBodyBytes = MaxDeletes * (SwiftPath.MaxObjectName * 3L + SwiftPath.MaxContainerName * 3L + 2);

    public static async Task HandleAsync(SwiftRequest request)
    {
        ObjectUpload.LiftBodyLimit(request.Context, MaxBodyBytes);
        using var reader = new StreamReader(request.Request.Body);
        var result = new BulkDeleteResult();
        // The whole list is read (bounded by MaxDeletes and the body limit) before anything is
        // deleted, so a list that is too long is refused without having deleted its first part.
        var lines = new List<string>();
        while (await reader.ReadLineAsync(request.Aborted) is { } line)
        {
            line = line.Trim();
            if (line.Length == 0)
                continue;
            if (lines.Count == MaxDeletes)
                throw SwiftFaults.TooLarge();
            lines.Add(line);
        }
        foreach (var line in lines)
        {
            var path = Uri.UnescapeDataString(line);
            var (container, name) = SwiftPath.SplitReference(path);
            try
            {
                SwiftPath.Validate(container, name);
                if (name is null)
                {
                    if (await request.Store.FindContainerAsync(request.ProjectId, container, request.Aborted) is null)
                        result.NotFound++;
                    else if (await request.Store.DeleteContainerAsync(request.ProjectId, container, request.Aborted))
                        result.Deleted++;
                    else
                        result.Errors.Add((path, "409 Conflict"));
                }
                else if (await request.Store.DeleteObjectAsync(request.ProjectId, container, name, request.Aborted) is not null)
                    result.Deleted++;
                else
                    result.NotFound++;
            }
            catch (Core.Api.ApiFault fault)
            {
                result.Errors.Add((path, $"{fault.StatusCode} {fault.Title}"));
            }
        }
        await result.WriteAsync(request);
    }
}
