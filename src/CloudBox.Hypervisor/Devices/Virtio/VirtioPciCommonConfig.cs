namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>Offsets of struct virtio_pci_common_cfg and device status bits.</summary>
public static class VirtioPciCommonConfig
{
    public const int DeviceFeatureSelect = 0x00;
    public const int DeviceFeature = 0x04;
    public const int DriverFeatureSelect = 0x08;
    public const int DriverFeature = 0x0C;
    public const int ConfigMsixVector = 0x10;
    public const int NumQueues = 0x12;
    public const int DeviceStatus = 0x14;
    public const int ConfigGeneration = 0x15;
    public const int QueueSelect = 0x16;
    public const int QueueSize = 0x18;
    public const int QueueMsixVector = 0x1A;
    public const int QueueEnable = 0x1C;
    public const int QueueNotifyOff = 0x1E;
    public const int QueueDesc = 0x20;
    public const int QueueDriver = 0x28;
    public const int QueueDevice = 0x30;
    public const int Length = 0x38;

    public const ushort NoVector = 0xFFFF;

    public const byte StatusAcknowledge = 1;
    public const byte StatusDriver = 2;
    public const byte StatusDriverOk = 4;
    public const byte StatusFeaturesOk = 8;
    public const byte StatusNeedsReset = 0x40;
    public const byte StatusFailed = 0x80;

    public const int FeatureVersion1 = 32;
}
