namespace CloudBox.Hypervisor.Hotplug;

/// <summary>Why a disk could not be plugged or unplugged; the control API maps each to its status code.</summary>
public enum DiskHotplugFailure
{
    InvalidRequest,
    DuplicateId,
    NoFreeSlot,
    CannotOpen,
    UnknownId,
    NotRunning,
}
