namespace CloudBox.Hypervisor.Boot;

/// <summary>Where and how the boot vCPU starts once an image is loaded.</summary>
/// <param name="Rip">First instruction.</param>
/// <param name="Rsi">Zero page for the Linux 64-bit protocol.</param>
/// <param name="Rbx">Start-info pointer for PVH.</param>
/// <param name="LongMode">64-bit with paging, or 32-bit protected mode without (PVH).</param>
/// <param name="AllVcpusStart">Tiny test guests: every vCPU starts at Rip instead of waiting for INIT/SIPI.</param>
public readonly record struct BootEntry(ulong Rip, ulong Rsi, ulong Rbx, bool LongMode, bool AllVcpusStart = false);
