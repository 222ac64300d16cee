namespace CloudBox.Hypervisor;

/// <summary>Process exit codes of <c>cloudbox vmm</c>. Supervisors (Compute) branch on these.</summary>
public enum VmmExitCode
{
    /// <summary>The guest powered off (ACPI S5), or the VM was shut down through the control API.</summary>
    PowerOff = 0,
    /// <summary>Bad command line or configuration file.</summary>
    BadArguments = 2,
    /// <summary>Setup failed before the guest started: no /dev/kvm, unreadable kernel, bad disk path, tap not openable…</summary>
    SetupFailed = 3,
    /// <summary>The guest asked to reboot while <c>--no-reboot</c> was given.</summary>
    Reboot = 10,
    /// <summary>The guest triple-faulted (KVM_EXIT_SHUTDOWN).</summary>
    TripleFault = 11,
    /// <summary>KVM reported an internal error or a failed VM entry.</summary>
    KvmInternalError = 12,
    /// <summary>The guest reported a crash (KVM system event) or the VMM itself failed while running.</summary>
    Crashed = 13,
    /// <summary>The VM was killed through the control API.</summary>
    Killed = 14,
}
