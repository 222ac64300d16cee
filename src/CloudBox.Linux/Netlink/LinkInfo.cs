namespace CloudBox.Linux.Netlink;

/// <summary>A network interface as rtnetlink reports it: index, name, kind (bridge, veth, vxlan, tun…), its bridge, MTU and state.</summary>
public sealed record LinkInfo(int Index, string Name, string? Kind, int? MasterIndex, int Mtu, bool IsUp, byte[]? Address);
