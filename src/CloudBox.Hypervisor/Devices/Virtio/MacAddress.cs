using System.Globalization;
using CloudBox.Linux;

namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>A 48-bit Ethernet address as the guest sees it in virtio-net config.</summary>
public static class MacAddress
{
    /// <summary>Parses "52:54:00:12:34:56"; when absent, a random locally administered unicast address.</summary>
    public static byte[] ParseOrGenerate(string? text, int index)
    {
        if (string.IsNullOrEmpty(text))
        {
            var mac = new byte[6];
            KernelRandom.Fill(mac);
            mac[0] = 0x52; mac[1] = 0x54; mac[2] = 0x00; // QEMU/KVM's locally administered prefix
            mac[5] = (byte)(mac[5] ^ index);
            return mac;
        }
        var parts = text.Split(':');
        if (parts.Length != 6) throw new FormatException($"bad MAC address '{text}'");
        var bytes = new byte[6];
        for (var i = 0; i < 6; i++)
            if (!byte.TryParse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out bytes[i]))
                throw new FormatException($"bad MAC address '{text}'");
        if ((bytes[0] & 1) != 0) throw new FormatException($"MAC address '{text}' is multicast");
        return bytes;
    }

    public static string Format(ReadOnlySpan<byte> mac) =>
        $"{mac[0]:x2}:{mac[1]:x2}:{mac[2]:x2}:{mac[3]:x2}:{mac[4]:x2}:{mac[5]:x2}";
}
