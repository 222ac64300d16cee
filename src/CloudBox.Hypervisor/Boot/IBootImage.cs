using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Boot;

/// <summary>A kernel format that can be placed in guest memory (bzImage, PVH ELF, flat test binary).</summary>
public interface IBootImage
{
    BootEntry Load(GuestMemory memory, BootParameters parameters);
}
