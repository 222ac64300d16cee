namespace CloudBox.Hypervisor.Configuration;

/// <summary>Everything that defines one VM; parsed from the command line or from --config JSON.</summary>
public sealed class VmConfig
{
    public string KernelPath { get; set; } = "";

    /// <summary>Boot a bzImage through the Linux boot protocol even when its payload could be entered through PVH (<c>--boot-protocol linux</c>).</summary>
    public bool LinuxBootProtocol { get; set; }
    public string? InitrdPath { get; set; }
    public string CommandLine { get; set; } = "console=ttyS0 panic=-1";
    public int MemoryMiB { get; set; } = 512;
    public int Vcpus { get; set; } = 1;
    public List<DiskConfig> Disks { get; set; } = [];
    public List<NetConfig> Nets { get; set; } = [];
    /// <summary>
    /// The network namespace (a path such as /run/netns/NAME) the taps are opened in, at start and on hot-plug: where
    /// Networking's data plane keeps the ports' taps. Null: the VMM's own.
    /// </summary>
    public string? NetworkNamespace { get; set; }
    public bool Rng { get; set; } = true;
    /// <summary>"stdio", "none", or a file path that receives the console output.</summary>
    public string Console { get; set; } = "stdio";
    public string? ApiSocket { get; set; }
    public bool NoReboot { get; set; }
    public bool HugePages { get; set; }
    /// <summary>The system UUID in SMBIOS (cloud-init and dmidecode read it); generated once per process when absent.</summary>
    public string? Uuid { get; set; }
    /// <summary>How long DELETE /vm/disks/ID waits for the guest to release a disk before removing it anyway.</summary>
    public int EjectTimeoutSeconds { get; set; } = 20;
    /// <summary>
    /// How long a disk's worker keeps polling its queues after the last request or completion before it goes back to
    /// sleeping on notifications (SPDK-style): while it polls, the driver is told not to notify (VIRTQ_USED_F_NO_NOTIFY),
    /// so a request costs the guest no exit. 0 turns polling off.
    /// </summary>
    public int DiskPollMicroseconds { get; set; } = 50;

    /// <summary>
    /// Whether <c>cloudbox vmm</c> confines itself (see Confinement/VmmJail): own namespaces, cgroup, unprivileged user,
    /// seccomp. On unless --no-jail (development only). A VMM run inside another process (tests) is never confined.
    /// </summary>
    public bool Jail { get; set; } = true;
    /// <summary>The uid the confined VMM becomes (per VM, from a range, as Firecracker's jailer --uid); default the cloudbox-vm user, else nobody.</summary>
    public uint? JailUid { get; set; }
    /// <summary>Its gid; default the uid's value when a uid is given.</summary>
    public uint? JailGid { get; set; }
    /// <summary>A cgroup of its own under cloudbox-vms/ with this name and the VM's memory and CPU limits; null: none (systemd's unit has them).</summary>
    public string? Cgroup { get; set; }
}
