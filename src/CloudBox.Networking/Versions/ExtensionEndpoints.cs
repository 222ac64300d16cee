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
        ("external-net", "Neutron external network", "Adds external network attribute to network resource."),
        ("provider", "Provider Network", "Expose mapping of virtual networks to physical networks"),
        ("router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway."),
        ("ext-gw-mode", "Neutron L3 Configurable external gateway mode", "Extension of the router abstraction for specifying whether SNAT should occur on the external gateway"),
        ("extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"),
        ("security-group", "security-group", "The security groups extension."),
        ("port-security", "Port Security", "Provides port security"),
        ("allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs"),
        ("binding", "Port Binding", "Expose port bindings of a virtual port to external application"),
        ("quotas", "Quota management support", "Expose functions for quotas management per project"),
        ("quota_details", "Quota details management support", "Expose functions for quotas usage statistics per project"),
        ("net-mtu", "Network MTU", "Provides MTU attribute for a network resource."),
        ("standard-attr-tag", "Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip", "Enables to set tag on resources with standard attribute."),
        ("standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard attributes"),
        ("standard-attr-timestamp", "Resource timestamps", "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes."),
        ("standard-attr-revisions", "Resource revision numbers", "This extension will display the revision number of neutron resources."),
        ("project-id", "project_id field enabled", "Extension that indicates that project_id field is enabled."),
        ("extra_dhcp_opt", "Neutron Extra DHCP options", "Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)"),
        ("stateful-security-group", "Stateful security group", "Indicates if the security group is stateful or not"),
        ("fip-port-details", "Floating IP Port Details Extension", "Add port_details attribute to Floating IP resource"),
        ("availability_zone", "Availability Zone", "The availability zone extension."),
        ("sorting", "Sorting support", "Enables sorting support"),
        ("pagination", "Pagination support", "Enables pagination support"),
        ("filter-validation", "Filter parameters validation", "Provides validation on filter parameters."),
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
