namespace CloudBox.Hypervisor.Devices.Pci;

/// <summary>Configuration mechanism #1: address at 0xCF8, data at 0xCFC-0xCFF.</summary>
public sealed class PciConfigPorts(PciBus bus) : IPortDevice
{
    public const ushort AddressPort = 0xCF8;
    public const ushort DataPort = 0xCFC;

    private uint _address;

    public void Read(ushort port, Span<byte> data)
    {
        if (port < DataPort)
        {
            if (port == AddressPort && data.Length == 4) BusData.Set(data, _address);
            else data.Fill(0xFF);
            return;
        }
        if ((_address & 0x8000_0000) == 0) { data.Fill(0xFF); return; }
        bus.ReadConfig(Bus, Slot, Function, Register + (port - DataPort), data);
    }

    public void Write(ushort port, ReadOnlySpan<byte> data)
    {
        if (port < DataPort)
        {
            if (port == AddressPort && data.Length == 4) _address = (uint)BusData.Get(data);
            return;
        }
        if ((_address & 0x8000_0000) == 0) return;
        bus.WriteConfig(Bus, Slot, Function, Register + (port - DataPort), data);
    }

    private int Bus => (int)(_address >> 16) & 0xFF;
    private int Slot => (int)(_address >> 11) & 0x1F;
    private int Function => (int)(_address >> 8) & 0x7;
    private int Register => (int)(_address & 0xFC) | (int)((_address >> 16) & 0xF00);
}
