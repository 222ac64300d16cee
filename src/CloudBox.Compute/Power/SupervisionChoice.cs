using CloudBox.Compute.Drivers;
using CloudBox.Core.Modules;

namespace CloudBox.Compute.Power;

/// <summary>Decides at start how this node supervises VMs (systemd unit or detached process), so the log says so before the first VM starts.</summary>
public sealed class SupervisionChoice(VmLaunchers launchers) : IStartupTask
{
    public Task RunAsync(CancellationToken cancellationToken) => launchers.PreferredAsync(cancellationToken);
}
