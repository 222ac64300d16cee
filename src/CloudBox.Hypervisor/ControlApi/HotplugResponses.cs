using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CloudBox.Hypervisor.Hotplug;
using CloudBox.Linux;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>
/// What the disk and NIC hot-plug routes share: reading the PUT body, the DELETE that waits for the unplug, and one
/// status code per refusal (400 bad request or unopenable file/tap, 404 unknown id, 409 duplicate id or VM not
/// running, 507 no free PCI slot).
/// </summary>
public static class HotplugResponses
{
    /// <summary>The request body, or the 400 to answer instead.</summary>
    public static (T? Request, HttpResponse? Refusal) Read<T>(byte[] body, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return (JsonSerializer.Deserialize(body, type), null);
        }
        catch (JsonException error)
        {
            return (null, HttpResponse.Error(400, $"malformed JSON: {error.Message.Split('\n')[0]}"));
        }
    }

    /// <summary>A refusal of an id the DELETE route could not address, or null when the id is usable.</summary>
    public static HttpResponse? CheckId(string? id)
    {
        if (string.IsNullOrEmpty(id)) return HttpResponse.Error(400, "id is required");
        if (id.Contains('/')) return HttpResponse.Error(400, "id must not contain '/'");
        return null;
    }

    /// <summary>Runs a plug; 204 once the device is in the machine.</summary>
    public static HttpResponse Plug(string kind, string id, Action plug)
    {
        try
        {
            plug();
            return HttpResponse.NoContent;
        }
        catch (HotplugException error)
        {
            return Failure(error);
        }
        catch (LinuxException error)
        {
            return HttpResponse.Error(500, $"cannot plug {kind} {id}: {error.Message}");
        }
    }

    /// <summary>DELETE PREFIX/ID: 204 after the guest released the device or the eject timeout passed.</summary>
    public static async Task<HttpResponse> UnplugAsync(string kind, string prefix, string path, Func<string, Task> unplug)
    {
        var id = Uri.UnescapeDataString(path[prefix.Length..]);
        try
        {
            await unplug(id);
            return HttpResponse.NoContent;
        }
        catch (HotplugException error)
        {
            return Failure(error);
        }
        catch (LinuxException error)
        {
            return HttpResponse.Error(500, $"cannot unplug {kind} {id}: {error.Message}");
        }
    }

    private static HttpResponse Failure(HotplugException error) => HttpResponse.Error(error.Failure switch
    {
        HotplugFailure.InvalidRequest or HotplugFailure.CannotOpen => 400,
        HotplugFailure.UnknownId => 404,
        HotplugFailure.DuplicateId or HotplugFailure.NotRunning => 409,
        HotplugFailure.NoFreeSlot => 507,
        _ => 500,
    }, error.Message.ReplaceLineEndings(" "));
}
