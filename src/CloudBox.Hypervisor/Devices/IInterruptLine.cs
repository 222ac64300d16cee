namespace CloudBox.Hypervisor.Devices;

/// <summary>A legacy interrupt wire (IOAPIC/PIC pin) a device drives high or low.</summary>
public interface IInterruptLine
{
    void Set(bool level);
}
