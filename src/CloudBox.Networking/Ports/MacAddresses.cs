using System.Globalization;
using System.Security.Cryptography;

namespace CloudBox.Networking.Ports;

/// <summary>Port MAC addresses: OpenStack's locally administered <c>fa:16:3e</c> prefix and random low bytes.</summary>
public static class MacAddresses
{
    public static string Generate()
    {
        Span<byte> random = stackalloc byte[3];
        RandomNumberGenerator.Fill(random);
        return string.Create(CultureInfo.InvariantCulture, $"fa:16:3e:{random[0]:x2}:{random[1]:x2}:{random[2]:x2}");
    }

    /// <summary>Lower-case colon form of a unicast MAC, or null when <paramref name="text"/> is not one.</summary>
    public static string? Normalize(string? text)
    {
        if (text is null)
            return null;
        var parts = text.Split(':', '-');
        if (parts.Length != 6 || parts.Any(p => p.Length != 2 || !byte.TryParse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _)))
            return null;
        var first = byte.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if ((first & 1) != 0 || parts.All(p => p == "00"))
            return null; // multicast, broadcast and all-zero addresses cannot name a port
        return string.Join(':', parts).ToLowerInvariant();
    }
}
