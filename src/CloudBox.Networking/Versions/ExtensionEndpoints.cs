using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Networking.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Networking.Versions;

/// <summary><c>/v2.0/extensions</c>: the API extensions this Neutron implements; clients probe it before using one.</summary>
public static class ExtensionEndpoints
{
    private static readonly (string Alias, string Name, string Description)[] Extensions =
    [
        ("external-net", "External networks", "Networks can be marked router:external, the source of router gateways and floating IPs."),
        ("provider", "Provider networks", "Networks carry provider:network_type, provider:physical_network and provider:segmentation_id."),
        ("router", "Routers", "Routers connect subnets and reach external networks, with SNAT for the tenant side."),
        ("ext-gw-mode", "Router gateway SNAT switch", "A router's external gateway can have SNAT turned off (enable_snat)."),
        ("extraroute", "Router static routes", "Routers take static routes (routes: destination and nexthop)."),
        ("security-group", "Security groups", "Stateful per-port filtering by security groups and their rules."),
        ("port-security", "Port security", "port_security_enabled switches a port's anti-spoofing and security groups on or off."),
        ("allowed-address-pairs", "Allowed address pairs", "A port may send from further addresses (and MACs) listed in allowed_address_pairs."),
        ("binding", "Port binding", "Ports show where they are bound: binding:host_id, binding:vif_type, binding:vnic_type, binding:profile."),
        ("quotas", "Quotas", "Per-project limits on networking resources, readable and settable."),
        ("quota_details", "Quota details", "Quota listings with used and reserved counts beside each limit."),
        ("net-mtu", "Network MTU", "Networks report the MTU their ports get."),
        ("standard-attr-tag", "Tags", "Networks, subnets, ports, routers, security groups and floating IPs take tags, and lists filter by them."),
        ("standard-attr-description", "Descriptions", "Resources carry a free-text description."),
        ("standard-attr-timestamp", "Timestamps", "Resources carry created_at and updated_at."),
        ("standard-attr-revisions", "Revision numbers", "Resources carry a revision_number that grows with every change."),
        ("project-id", "project_id", "Resources name their owner as project_id (tenant_id too, for old clients)."),
        ("extra_dhcp_opt", "Extra DHCP options", "Ports take extra_dhcp_opts, added to what the DHCP server answers them."),
        ("stateful-security-group", "Stateful security groups", "Security groups say whether they are stateful."),
        ("fip-port-details", "Floating IP port details", "Floating IPs show details of the port they are associated with (port_details)."),
        ("availability_zone", "Availability zones", "Networks and routers report availability zones."),
        ("sorting", "Sorting", "Lists sort by sort_key and sort_dir."),
        ("pagination", "Pagination", "Lists page with limit and marker."),
        ("filter-validation", "Filter validation", "Unknown filter parameters in list requests are refused."),
    ];

    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/extensions", List);
        v2.MapGet("/extensions/{alias}", Get);
    }

    private static JsonObject ToJson((string Alias, string Name, string Description) extension) => new()
    {
        ["alias"] = extension.Alias,
        ["name"] = extension.Name,
        ["description"] = extension.Description,
        ["updated"] = "2026-11-25T00:00:00-00:00",
        ["links"] = new JsonArray(),
    };

    private static IResult List(HttpContext context)
    {
        context.RequireCaller();
        return NeutronResponses.Json(new JsonObject { ["extensions"] = new JsonArray([.. Extensions.Select(e => (JsonNode)ToJson(e))]) });
    }

    private static IResult Get(string alias, HttpContext context)
    {
        context.RequireCaller();
        foreach (var extension in Extensions)
        {
            if (extension.Alias == alias)
                return NeutronResponses.Json(new JsonObject { ["extension"] = ToJson(extension) });
        }
        throw new NeutronFault(404, "HTTPNotFound", $"Extension with alias {alias} does not exist");
    }
}
