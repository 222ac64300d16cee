namespace CloudBox.Hypervisor;

/// <summary>Lifecycle of one boot of a VM, as reported by GET /vm.</summary>
public enum VmState
{
    Created = 0,
    Running,
    Paused,
    Stopped,
}
