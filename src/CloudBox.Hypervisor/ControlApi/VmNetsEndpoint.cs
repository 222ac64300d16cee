using CloudBox.Hypervisor.Configuration;
using CloudBox.Linux;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>
/// PUT /vm/nets plugs a virtio-net NIC on a tap into the running guest (204; a missing tap is created); DELETE
/// /vm/nets/ID unplugs it (204, after the guest released it or the eject timeout passed) and closes the tap.
/// Errors: 400 bad JSON, missing tap, bad MAC or a tap that cannot be opened; 404 unknown id; 409 id or tap
/// already attached or VM not running; 507 no free PCI slot.
/// </summary>
public static class VmNetsEndpoint
{
    public const string Prefix = "/vm/nets/";
    private const int MaxTapName = 15; // IFNAMSIZ - 1

    /// <summary>With a descriptor passed on the connection, that attached tap is the NIC's (a confined VMM cannot attach one).</summary>
    public static HttpResponse Put(VmmHost host, byte[] body, List<FileDescriptor>? passed = null)
    {
        var (request, refusal) = HotplugResponses.Read(body, ControlJsonContext.Default.NetRequest);
        if (refusal != null) return refusal;
        if (request == null || string.IsNullOrEmpty(request.Tap)) return HttpResponse.Error(400, "tap is required");
        if (request.Tap.Length > MaxTapName || request.Tap.Contains('/')) return HttpResponse.Error(400, $"'{request.Tap}' is not a valid interface name");
        var id = request.Id ?? request.Tap;
        if (HotplugResponses.CheckId(id) is { } badId) return badId;
        if (passed is [var descriptor, ..])
        {
            passed.RemoveAt(0);
            Confinement.HeldFiles.OfferTap(request.Tap, descriptor);
        }
        return HotplugResponses.Plug("net", id, () => host.AttachNet(new NetConfig { Id = id, Tap = request.Tap, Mac = request.Mac }));
    }

    public static Task<HttpResponse> DeleteAsync(VmmHost host, string path) =>
        HotplugResponses.UnplugAsync("net", Prefix, path, host.DetachNetAsync);
}
