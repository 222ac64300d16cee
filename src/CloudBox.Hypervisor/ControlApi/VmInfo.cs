using System.Text.Json;
using System.Text.Json.Serialization;
using CloudBox.Hypervisor.Configuration;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>
/// The body of GET /vm, as the VMM writes it and Compute reads it: the VM's state (created, running, paused, stopped), how many
/// times it booted and since when, its configuration (what a reboot boots), counters, the vCPUs a pause found, and the
/// disks and NICs by id with their PCI slot and I/O counters. Fields are only ever added, so a newer serve reads an
/// older VMM that survived its upgrade.
/// </summary>
public sealed record VmInfo(
    [property: JsonConverter(typeof(VmStateJsonConverter))] VmState State,
    int Boots,
    DateTime StartedAt,
    VmConfig? Config,
    VmCounters? Counters,
    IReadOnlyList<string>? Vcpus,
    IReadOnlyList<VmDiskInfo>? Disks,
    IReadOnlyList<VmNetInfo>? Nets,
    IReadOnlyList<VmDeviceInfo>? Devices);

/// <summary>VM exits (in all, retried emulations, by reason, the busiest I/O ports and MMIO pages) and KVM's own statistics.</summary>
public sealed record VmCounters(
    long Exits,
    long EmulationRetries,
    IReadOnlyDictionary<string, long>? ExitsByReason,
    IReadOnlyDictionary<string, ulong>? Kvm,
    IReadOnlyDictionary<string, long>? IoPorts,
    IReadOnlyDictionary<string, long>? MmioPages);

/// <summary>A disk of the running VM (the guest's vda, vdb… in this order) with its serial, PCI slot, engine and I/O counters.</summary>
public sealed record VmDiskInfo(
    string Id,
    string Path,
    [property: JsonPropertyName("readonly")] bool ReadOnly,
    string? Serial,
    int PciSlot,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Engine,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cache,
    long ReadOps,
    long WriteOps,
    long ReadBytes,
    long WriteBytes);

/// <summary>A NIC of the running VM: its id (Compute uses the tap's name), tap, MAC, PCI slot and bytes each way.</summary>
public sealed record VmNetInfo(string Id, string Tap, string? Mac, int PciSlot, string Status, long RxBytes, long TxBytes);

/// <summary>One virtio device's counters (type net, block, rng or virtio), in PCI order.</summary>
public sealed record VmDeviceInfo(
    string Type,
    string Status,
    long ReadOps,
    long ReadBytes,
    long WriteOps,
    long WriteBytes,
    long OtherOps,
    long Notifications,
    [property: JsonPropertyName("polled_passes")] long PolledPasses,
    long Interrupts);

/// <summary>A VM state on the wire: its name in lower case.</summary>
public sealed class VmStateJsonConverter() : JsonStringEnumConverter<VmState>(JsonNamingPolicy.CamelCase);
