using System.Text.Json.Nodes;
using CloudBox.Core.Api.Auth;
using CloudBox.Networking.Api;

namespace CloudBox.Networking.Ports;

/// <summary>
/// Where and how a port is bound is the operator's business, as in Neutron's defaults (get_port:binding:host_id and
/// friends are admin-only): other callers get port bodies without the host name, the VIF details and the binding
/// profile (which also holds CloudBox's mark on ports made for a server). binding:vnic_type stays, the owner chose it.
/// </summary>
internal static class PortBindingVisibility
{
    private static readonly string[] AdminOnly = ["binding:host_id", "binding:profile", "binding:vif_type", "binding:vif_details"];

    public static JsonObject ForCaller(JsonObject port, CallerContext caller)
    {
        if (caller.IsAdmin())
            return port;
        var visible = (JsonObject)port.DeepClone();
        foreach (var attribute in AdminOnly)
            visible.Remove(attribute);
        return visible;
    }
}
