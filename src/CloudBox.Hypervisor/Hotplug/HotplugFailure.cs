namespace CloudBox.Hypervisor.Hotplug;

/// <summary>Why a device could not be plugged or unplugged; the control API maps each to its status code.</summary>
public enum HotplugFailure
{
    InvalidRequest,
    DuplicateId,
    NoFreeSlot,
    CannotOpen,
    UnknownId,
    NotRunning,
}
