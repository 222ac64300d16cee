using System.Text.Json;
using CloudBox.Hypervisor.Configuration;
using CloudBox.Hypervisor.Hotplug;
using CloudBox.Linux;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>
/// PUT /vm/disks plugs a disk into the running guest (204); DELETE /vm/disks/ID unplugs it (204, after the guest
/// released it or the eject timeout passed). Errors: 400 bad JSON, missing id or path, or a file that cannot be
/// opened; 404 unknown id; 409 id already attached or VM not running; 507 no free PCI slot.
/// </summary>
public static class VmDisksEndpoint
{
    public const string Prefix = "/vm/disks/";
    private const int MaxSerialLength = 20;

    public static HttpResponse Put(VmmHost host, byte[] body)
    {
        DiskRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, ControlJsonContext.Default.DiskRequest);
        }
        catch (JsonException error)
        {
            return HttpResponse.Error(400, $"malformed JSON: {error.Message.Split('\n')[0]}");
        }
        if (request == null || string.IsNullOrEmpty(request.Path)) return HttpResponse.Error(400, "path is required");
        if (string.IsNullOrEmpty(request.Id)) return HttpResponse.Error(400, "id is required");
        if (request.Id.Contains('/')) return HttpResponse.Error(400, "id must not contain '/'");
        var serial = request.Serial is { Length: > MaxSerialLength } ? request.Serial[..MaxSerialLength] : request.Serial; // virtio-blk's id is 20 bytes
        try
        {
            host.AttachDisk(new DiskConfig { Id = request.Id, Path = request.Path, ReadOnly = request.Readonly, Serial = serial });
            return HttpResponse.NoContent;
        }
        catch (DiskHotplugException error)
        {
            return Failure(error);
        }
        catch (LinuxException error)
        {
            return HttpResponse.Error(500, $"cannot plug disk {request.Id}: {error.Message}");
        }
    }

    public static async Task<HttpResponse> DeleteAsync(VmmHost host, string path)
    {
        var id = Uri.UnescapeDataString(path[Prefix.Length..]);
        try
        {
            await host.DetachDiskAsync(id);
            return HttpResponse.NoContent;
        }
        catch (DiskHotplugException error)
        {
            return Failure(error);
        }
        catch (LinuxException error)
        {
            return HttpResponse.Error(500, $"cannot unplug disk {id}: {error.Message}");
        }
    }

    private static HttpResponse Failure(DiskHotplugException error) => HttpResponse.Error(error.Failure switch
    {
        DiskHotplugFailure.InvalidRequest or DiskHotplugFailure.CannotOpen => 400,
        DiskHotplugFailure.UnknownId => 404,
        DiskHotplugFailure.DuplicateId or DiskHotplugFailure.NotRunning => 409,
        DiskHotplugFailure.NoFreeSlot => 507,
        _ => 500,
    }, error.Message.ReplaceLineEndings(" "));
}
