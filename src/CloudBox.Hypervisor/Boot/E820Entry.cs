namespace CloudBox.Hypervisor.Boot;

/// <summary>One BIOS e820 memory map entry.</summary>
public readonly record struct E820Entry(ulong Address, ulong Size, E820Type Type);
