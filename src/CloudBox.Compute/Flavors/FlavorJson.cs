using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Compute.Flavors;

/// <summary>Flavors on the wire at microversion 2.1.</summary>
public static class FlavorJson
{
    public static JsonObject Summary(HttpContext context, FlavorRecord flavor) => new()
    {
        ["id"] = flavor.Id,
        ["name"] = flavor.Name,
        ["links"] = ComputeLinks.For(context, "flavors", flavor.Id),
    };

    public static JsonObject Detail(HttpContext context, FlavorRecord flavor) => new()
    {
        ["id"] = flavor.Id,
        ["name"] = flavor.Name,
        ["ram"] = flavor.Ram,
        ["vcpus"] = flavor.Vcpus,
        ["disk"] = flavor.Disk,
        ["OS-FLV-EXT-DATA:ephemeral"] = flavor.Ephemeral,
        ["OS-FLV-DISABLED:disabled"] = false,
        ["swap"] = flavor.Swap == 0 ? "" : flavor.Swap,
        ["rxtx_factor"] = flavor.RxtxFactor,
        ["os-flavor-access:is_public"] = flavor.IsPublic,
        ["links"] = ComputeLinks.For(context, "flavors", flavor.Id),
    };
}
