namespace CloudBox.Hypervisor.Boot;

/// <summary>What a loader needs besides the image: command line, initrd, memory map and ACPI root.</summary>
public sealed record BootParameters(string CommandLine, string? InitrdPath, IReadOnlyList<E820Entry> MemoryMap, ulong RsdpAddress);
