namespace CloudBox.Hypervisor.Boot;

/// <summary>
/// What this machine adds to the guest's kernel command line. Its ACPI is hardware-reduced, which Linux takes to
/// mean an EFI machine and so reboots through EFI (absent here), then through a real-mode jump to a BIOS this VMM
/// does not have: the reboot ends in a KVM internal error instead of a reset. <c>reboot=acpi</c> makes Linux write
/// the FADT's reset register, which the VMM turns into a reset. A command line that names its own <c>reboot=</c> is left as it is.
/// </summary>
public static class MachineCommandLine
{
    public const string RebootByAcpi = "reboot=acpi";

    public static string For(string commandLine)
    {
        foreach (var word in commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.StartsWith("reboot=", StringComparison.Ordinal))
                return commandLine;
        }
        return commandLine.Length == 0 ? RebootByAcpi : commandLine + " " + RebootByAcpi;
    }
}
