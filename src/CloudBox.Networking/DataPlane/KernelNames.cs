using System.Text.RegularExpressions;

namespace CloudBox.Networking.DataPlane;

/// <summary>
/// Names of the kernel objects CloudBox makes, all derived from resource ids so a rebuild finds
/// them again and a leftover can be recognised as ours: <c>cbr-</c> bridges, <c>cbx-</c> VXLAN
/// ports, <c>tap</c> + 11 id characters for every port's host-side device, <c>qr-</c>/<c>qg-</c>
/// router legs, and router namespaces under a configurable prefix.
/// </summary>
public static partial class KernelNames
{
    public static string Bridge(string networkId) => "cbr-" + networkId[..8];

    public static string Vxlan(string networkId) => "cbx-" + networkId[..8];

    public static string Tap(string portId) => Ports.PortWriter.TapName(portId);

    public static string RouterInterface(string portId) => "qr-" + portId[..11];

    public static string RouterGateway(string portId) => "qg-" + portId[..11];

    public static string RouterNamespace(NetworkSettings settings, string routerId) => settings.RouterNamespacePrefix + routerId[..8];

    /// <summary>True for link names only CloudBox makes (so removing a stale one never touches anything else).</summary>
    public static bool IsOurs(string linkName) => OwnedLink().IsMatch(linkName);

    [GeneratedRegex("^(cbr-[0-9a-f]{8}|cbx-[0-9a-f]{8}|tap[0-9a-f]{8}-[0-9a-f]{2})$")]
    private static partial Regex OwnedLink();
}
