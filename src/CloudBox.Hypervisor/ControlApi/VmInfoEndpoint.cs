using System.Text.Json;
using CloudBox.Hypervisor.Devices.Virtio;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>GET /vm: state, configuration, the disks and NICs by id, and counters (exits by reason, busiest ports and MMIO pages, per-device ops and bytes).</summary>
public static class VmInfoEndpoint
{
    public static HttpResponse Handle(VmmHost host) =>
        new(200, JsonSerializer.SerializeToUtf8Bytes(Describe(host), ControlJsonContext.Default.VmInfo));

    private static VmInfo Describe(VmmHost host)
    {
        var vm = host.Current;
        var counters = new VmCounters(
            host.Counters.Total,
            vm?.EmulationRetries ?? 0,
            Ordered(host.Counters.Reasons()),
            Ordered(vm?.KernelStatistics() ?? []),
            Ordered(host.Counters.TopPorts(16)),
            Ordered(host.Counters.TopMmioPages(16)));
        return new VmInfo(
            vm?.State ?? VmState.Stopped,
            host.Boots,
            host.StartedAt,
            host.Config,
            counters,
            vm?.DescribePausedVcpus() ?? [],
            vm is null ? [] : [.. vm.Disks.Select(Disk)],
            vm is null ? [] : [.. vm.Nets.Select(Net)],
            vm is null ? [] : [.. vm.VirtioDevices.Select(Device)]);
    }

    private static Dictionary<string, T> Ordered<T>(List<KeyValuePair<string, T>> pairs) => new(pairs);

    private static VmDiskInfo Disk(Hotplug.AttachedDisk disk)
    {
        var stats = disk.Device.Stats;
        var block = disk.Device.Model as VirtioBlock;
        return new VmDiskInfo(disk.Id, disk.Config.Path, disk.Config.ReadOnly, disk.Config.Serial ?? Path.GetFileName(disk.Config.Path),
            disk.Slot, Status(disk.Device.Status), block is null ? null : block.UsesIoUring ? "io_uring" : "sync",
            block is null ? null : block.WriteThrough ? "writethrough" : "writeback",
            stats.ReadOps, stats.WriteOps, stats.ReadBytes, stats.WriteBytes);
    }

    private static VmNetInfo Net(Hotplug.AttachedNet net) =>
        new(net.Id, net.Config.Tap, net.Config.Mac, net.Slot, Status(net.Device.Status), net.Device.Stats.ReadBytes, net.Device.Stats.WriteBytes);

    private static VmDeviceInfo Device(VirtioPciDevice device)
    {
        var stats = device.Stats;
        var type = device.Model.DeviceType switch { 1 => "net", 2 => "block", 4 => "rng", _ => "virtio" };
        return new VmDeviceInfo(type, Status(device.Status), stats.ReadOps, stats.ReadBytes, stats.WriteOps, stats.WriteBytes,
            stats.OtherOps, stats.Notifications, stats.PolledPasses, stats.Interrupts);
    }

    private static string Status(byte status) => $"0x{status:x2}";
}
