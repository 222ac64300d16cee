namespace CloudBox.Hypervisor.Boot;

/// <summary>e820 range types.</summary>
public enum E820Type : uint
{
    Ram = 1,
    Reserved = 2,
    Acpi = 3,
}
