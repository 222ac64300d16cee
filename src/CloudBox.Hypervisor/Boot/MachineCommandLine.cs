namespace CloudBox.Hypervisor.Boot;

/// <summary>
/// What this machine adds to the guest's kernel command line. Its ACPI is hardware-reduced, which Linux takes to
/// mean an EFI machine and so reboots through EFI (absent here), then through a real-mode jump to a BIOS this VMM
/// does not have: the reboot ends in a KVM internal error instead of a reset. <c>reboot=acpi</c> makes Linux write
/// the FADT's reset register, which the VMM turns into a reset. A command line that names its own <c>reboot=</c> is left as it is.
/// On a software-assisted KVM (<see cref="Kvm.CpuidTable.HostIsSoftwareAssisted"/>) the guest kernel is also told to leave
/// alone what the instruction emulator cannot run (<see cref="EmulatorSafe"/>), unless it names its own <c>clearcpuid=</c>:
/// CPUID no longer offers those, but a kernel also finds XSAVE through its own probing.
/// </summary>
public static class MachineCommandLine
{
    public const string RebootByAcpi = "reboot=acpi";

    /// <summary>What a guest kernel on a software-assisted KVM must not use (packaging/guest/README.md says why, one by one).</summary>
    public const string EmulatorSafe = "noxsave clearcpuid=cx16,popcnt,smap,fsgsbase,invpcid,erms,fsrm,ssse3,sse4_1,sse4_2,pclmulqdq,aes,sha_ni";

    public static string For(string commandLine) => For(commandLine, Kvm.CpuidTable.HostIsSoftwareAssisted);

    public static string For(string commandLine, bool softwareAssisted)
    {
        var words = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var added = new List<string>(2);
        if (!words.Any(word => word.StartsWith("reboot=", StringComparison.Ordinal)))
            added.Add(RebootByAcpi);
        if (softwareAssisted && !words.Any(word => word.StartsWith("clearcpuid=", StringComparison.Ordinal)))
            added.Add(EmulatorSafe);
        return string.Join(' ', words.Length == 0 ? added : [commandLine.Trim(), .. added]);
    }
}
