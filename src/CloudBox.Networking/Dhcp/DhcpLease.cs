namespace CloudBox.Networking.Dhcp;

/// <summary>What CloudBox's DHCP server tells the holder of one MAC: the port's fixed IP and its subnet's settings. Addresses are host-order IPv4.</summary>
public sealed record DhcpLease(
    uint Address,
    int PrefixLength,
    uint ServerId,
    uint? Router,
    IReadOnlyList<uint> DnsServers,
    int Mtu,
    IReadOnlyList<(uint Network, int PrefixLength, uint NextHop)> Routes,
    string HostName,
    int LeaseSeconds = 86400);
