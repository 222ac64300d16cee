using System.Runtime.InteropServices;

namespace CloudBox.Linux.Kvm;

/// <summary>struct kvm_pit_config.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmPitConfig
{
    public const uint SpeakerDummy = 1;
    public uint Flags;
    public fixed uint Pad[15];
}
