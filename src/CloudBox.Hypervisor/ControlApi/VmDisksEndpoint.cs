using CloudBox.Hypervisor.Configuration;
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

    /// <summary>With a descriptor passed on the connection, that open file is the disk (a confined VMM opens nothing by name).</summary>
    public static HttpResponse Put(VmmHost host, byte[] body, List<FileDescriptor>? passed = null)
    {
        var (request, refusal) = HotplugResponses.Read(body, ControlJsonContext.Default.DiskRequest);
        if (refusal != null) return refusal;
        if (request == null || string.IsNullOrEmpty(request.Path)) return HttpResponse.Error(400, "path is required");
        if (HotplugResponses.CheckId(request.Id) is { } badId) return badId;
        if (passed is [var descriptor, ..])
        {
            passed.RemoveAt(0);
            Confinement.HeldFiles.OfferDisk(request.Path, request.Readonly, descriptor);
        }
        var serial = request.Serial is { Length: > MaxSerialLength } ? request.Serial[..MaxSerialLength] : request.Serial; // virtio-blk's id is 20 bytes
        return HotplugResponses.Plug("disk", request.Id!, () =>
            host.AttachDisk(new DiskConfig { Id = request.Id, Path = request.Path, ReadOnly = request.Readonly, Serial = serial }));
    }

    public static Task<HttpResponse> DeleteAsync(VmmHost host, string path) =>
        HotplugResponses.UnplugAsync("disk", Prefix, path, host.DetachDiskAsync);
}
