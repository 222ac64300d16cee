using System.Net;

namespace CloudBox.Linux.Netlink;

/// <summary>An IPv4 or IPv6 route of the main table as rtnetlink reports it: destination, gateway (if any), output interface and who made it (2 kernel, 4 static).</summary>
public sealed record RouteInfo(IPAddress Destination, int PrefixLength, IPAddress? Gateway, int? OutputIndex, byte Protocol);
