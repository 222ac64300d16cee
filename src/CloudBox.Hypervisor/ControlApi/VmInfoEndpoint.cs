using System.Text.Json;
using CloudBox.Hypervisor.Configuration;
using CloudBox.Hypervisor.Devices.Virtio;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>GET /vm: state, configuration, the disks and NICs by id, and counters (exits by reason, busiest ports and MMIO pages, per-device ops and bytes).</summary>
public static class VmInfoEndpoint
{
    public static HttpResponse Handle(VmmHost host)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            var vm = host.Current;
            w.WriteStartObject();
            w.WriteString("state", (vm?.State ?? VmState.Stopped).ToString().ToLowerInvariant());
            w.WriteNumber("boots", host.Boots);
            w.WriteString("startedAt", host.StartedAt);
            w.WritePropertyName("config");
            JsonSerializer.Serialize(w, host.Config, VmConfigJsonContext.Default.VmConfig);

            w.WriteStartObject("counters");
            w.WriteNumber("exits", host.Counters.Total);
            w.WriteNumber("emulationRetries", vm?.EmulationRetries ?? 0);
            w.WriteStartObject("exitsByReason");
            foreach (var (reason, count) in host.Counters.Reasons()) w.WriteNumber(reason, count);
            w.WriteEndObject();
            w.WriteStartObject("kvm");
            if (vm != null) foreach (var (name, value) in vm.KernelStatistics()) w.WriteNumber(name, value);
            w.WriteEndObject();
            w.WriteStartObject("ioPorts");
            foreach (var (port, count) in host.Counters.TopPorts(16)) w.WriteNumber(port, count);
            w.WriteEndObject();
            w.WriteStartObject("mmioPages");
            foreach (var (page, count) in host.Counters.TopMmioPages(16)) w.WriteNumber(page, count);
            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartArray("vcpus");
            if (vm != null) foreach (var line in vm.DescribePausedVcpus()) w.WriteStringValue(line);
            w.WriteEndArray();

            w.WriteStartArray("disks");
            if (vm != null)
            {
                foreach (var disk in vm.Disks)
                {
                    var s = disk.Device.Stats;
                    w.WriteStartObject();
                    w.WriteString("id", disk.Id);
                    w.WriteString("path", disk.Config.Path);
                    w.WriteBoolean("readonly", disk.Config.ReadOnly);
                    w.WriteString("serial", disk.Config.Serial ?? Path.GetFileName(disk.Config.Path));
                    w.WriteNumber("pciSlot", disk.Slot);
                    w.WriteString("status", $"0x{disk.Device.Status:x2}");
                    if (disk.Device.Model is VirtioBlock block)
                    {
                        w.WriteString("engine", block.UsesIoUring ? "io_uring" : "sync");
                        w.WriteString("cache", block.WriteThrough ? "writethrough" : "writeback");
                    }
                    w.WriteNumber("readOps", s.ReadOps);
                    w.WriteNumber("writeOps", s.WriteOps);
                    w.WriteNumber("readBytes", s.ReadBytes);
                    w.WriteNumber("writeBytes", s.WriteBytes);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();

            w.WriteStartArray("nets");
            if (vm != null)
            {
                foreach (var net in vm.Nets)
                {
                    var s = net.Device.Stats;
                    w.WriteStartObject();
                    w.WriteString("id", net.Id);
                    w.WriteString("tap", net.Config.Tap);
                    w.WriteString("mac", net.Config.Mac);
                    w.WriteNumber("pciSlot", net.Slot);
                    w.WriteString("status", $"0x{net.Device.Status:x2}");
                    w.WriteNumber("rxBytes", s.ReadBytes);
                    w.WriteNumber("txBytes", s.WriteBytes);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();

            w.WriteStartArray("devices");
            if (vm != null)
            {
                foreach (var device in vm.VirtioDevices)
                {
                    var s = device.Stats;
                    w.WriteStartObject();
                    w.WriteString("type", device.Model.DeviceType switch { 1 => "net", 2 => "block", 4 => "rng", _ => "virtio" });
                    w.WriteString("status", $"0x{device.Status:x2}");
                    w.WriteNumber("readOps", s.ReadOps);
                    w.WriteNumber("readBytes", s.ReadBytes);
                    w.WriteNumber("writeOps", s.WriteOps);
                    w.WriteNumber("writeBytes", s.WriteBytes);
                    w.WriteNumber("otherOps", s.OtherOps);
                    w.WriteNumber("notifications", s.Notifications);
                    w.WriteNumber("polled_passes", s.PolledPasses);
                    w.WriteNumber("interrupts", s.Interrupts);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return new HttpResponse(200, buffer.ToArray());
    }
}
