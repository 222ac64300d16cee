using System.Runtime.InteropServices;

namespace CloudBox.Linux.Kvm;

/// <summary>struct kvm_segment: a cached segment descriptor.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmSegment
{
    public ulong Base;
    public uint Limit;
    public ushort Selector;
    public byte Type;
    public byte Present, Dpl, Db, S, L, G, Avl;
    public byte Unusable;
    public byte Padding;
}
