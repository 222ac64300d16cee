namespace CloudBox.Linux.Kvm;

/// <summary>ioctl request numbers of the KVM API on x86_64 (include/uapi/linux/kvm.h), precomputed from _IO/_IOR/_IOW/_IOWR.</summary>
internal static class KvmIoctl
{
    public const ulong GetApiVersion = 0xAE00;
    public const ulong CreateVm = 0xAE01;
    public const ulong CheckExtension = 0xAE03;
    public const ulong GetVcpuMmapSize = 0xAE04;
    public const ulong GetSupportedCpuid = 0xC008AE05;
    public const ulong CreateVcpu = 0xAE41;
    public const ulong SetUserMemoryRegion = 0x4020AE46;
    public const ulong SetTssAddr = 0xAE47;
    public const ulong SetIdentityMapAddr = 0x4008AE48;
    public const ulong CreateIrqchip = 0xAE60;
    public const ulong IrqLine = 0x4008AE61;
    public const ulong SetGsiRouting = 0x4008AE6A;
    public const ulong Irqfd = 0x4020AE76;
    public const ulong CreatePit2 = 0x4040AE77;
    public const ulong Ioeventfd = 0x4040AE79;
    public const ulong Run = 0xAE80;
    public const ulong GetRegs = 0x8090AE81;
    public const ulong SetRegs = 0x4090AE82;
    public const ulong GetSregs = 0x8138AE83;
    public const ulong SetSregs = 0x4138AE84;
    public const ulong SetMsrs = 0x4008AE89;
    public const ulong GetFpu = 0x81A0AE8C;
    public const ulong SetFpu = 0x41A0AE8D;
    public const ulong GetLapic = 0x8400AE8E;
    public const ulong SetLapic = 0x4400AE8F;
    public const ulong SetCpuid2 = 0x4008AE90;
    public const ulong GetMpState = 0x8004AE98;
    public const ulong SetMpState = 0x4004AE99;
    public const ulong SignalMsi = 0x4020AEA5;
    public const ulong GetTscKhz = 0xAEA3;
    public const ulong GetStatsFd = 0xAECE;
    public const ulong Translate = 0xC018AE85;
    public const ulong GetVcpuEvents = 0x8040AE9F;
    public const ulong SetVcpuEvents = 0x4040AEA0;
}
