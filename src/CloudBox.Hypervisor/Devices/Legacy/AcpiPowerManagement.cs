using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Devices.Legacy;

/// <summary>
/// The hardware-reduced ACPI sleep control, sleep status and reset registers named in the FADT. Writing SLP_EN with
/// the _S5_ type powers off; writing the reset value reboots.
/// </summary>
public sealed class AcpiPowerManagement(PowerControl power) : IPortDevice
{
    private const byte SleepEnable = 0x20;

    public void Read(ushort port, Span<byte> data) => data.Clear();

    public void Write(ushort port, ReadOnlySpan<byte> data)
    {
        var value = data[0];
        switch (port)
        {
            case MemoryLayout.AcpiSleepControlPort:
                if ((value & SleepEnable) != 0 && ((value >> 2) & 7) == MemoryLayout.S5SleepType) power.PowerOff();
                break;
            case MemoryLayout.AcpiResetPort:
                if (value == MemoryLayout.AcpiResetValue) power.Reset();
                break;
        }
    }
}
