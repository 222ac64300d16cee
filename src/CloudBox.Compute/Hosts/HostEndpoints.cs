using System.Text.Json.Nodes;
using CloudBox.Compute.Drivers;
using CloudBox.Compute.Servers;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Hosts;

/// <summary>
/// This node as Nova's host APIs show it: one availability zone <c>nova</c>, one hypervisor, and
/// the services (compute, scheduler, conductor) that all live in this process.
/// </summary>
public static class HostEndpoints
{
    private const int HypervisorId = 1;

    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-availability-zone", (HttpContext c, PolicyEngine p) => Zones(c, p, false, null));
        v21.MapGet("/os-availability-zone/detail", (HttpContext c, PolicyEngine p, HostResources h) => Zones(c, p, true, h));
        v21.MapGet("/os-hypervisors", (HttpContext c, PolicyEngine p, HostResources h, ServerStore s, IHypervisorDriver d, CancellationToken t) => HypervisorsAsync(c, p, h, s, d, false, t));
        v21.MapGet("/os-hypervisors/detail", (HttpContext c, PolicyEngine p, HostResources h, ServerStore s, IHypervisorDriver d, CancellationToken t) => HypervisorsAsync(c, p, h, s, d, true, t));
        v21.MapGet("/os-hypervisors/statistics", StatisticsAsync);
        v21.MapGet("/os-hypervisors/{id}", HypervisorAsync);
        v21.MapGet("/os-services", Services);
    }

    private static IResult Zones(HttpContext context, PolicyEngine policy, bool detail, HostResources? host)
    {
        context.Authorize(policy, detail ? "compute:availability_zone:detail" : "compute:availability_zone:list");
        var zone = new JsonObject { ["zoneName"] = "nova", ["zoneState"] = new JsonObject { ["available"] = true }, ["hosts"] = null };
        var zones = new JsonArray(zone);
        if (detail && host is not null)
        {
            zone["hosts"] = new JsonObject { [host.HostName] = new JsonObject { ["nova-compute"] = ServiceState() } };
            zones.Add(new JsonObject
            {
                ["zoneName"] = "internal",
                ["zoneState"] = new JsonObject { ["available"] = true },
                ["hosts"] = new JsonObject { [host.HostName] = new JsonObject { ["nova-scheduler"] = ServiceState(), ["nova-conductor"] = ServiceState() } },
            });
        }
        return JsonBody.Node(new JsonObject { ["availabilityZoneInfo"] = zones });
    }

    private static JsonObject ServiceState() => new()
    {
        ["available"] = true, ["active"] = true, ["updated_at"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture),
    };

    private static async Task<JsonObject> DescribeAsync(HttpContext context, HostResources host, ServerStore servers, IHypervisorDriver driver, bool detail, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["id"] = HypervisorId,
            ["hypervisor_hostname"] = host.HostName,
            ["state"] = "up",
            ["status"] = "enabled",
        };
        if (!detail)
            return body;
        var running = await servers.ListOnHostAsync(host.HostName, cancellationToken);
        var (totalDisk, freeDisk) = host.Disk;
        var usedRam = running.Sum(s => s.Ram);
        var usedDisk = running.Sum(s => s.Disk);
        body["hypervisor_type"] = driver.HypervisorType;
        body["hypervisor_version"] = 1000000;
        body["host_ip"] = "127.0.0.1";
        body["vcpus"] = host.Vcpus;
        body["vcpus_used"] = running.Sum(s => s.Vcpus);
        body["memory_mb"] = host.MemoryMiB;
        body["memory_mb_used"] = usedRam;
        body["free_ram_mb"] = host.MemoryMiB - usedRam;
        body["local_gb"] = totalDisk;
        body["local_gb_used"] = usedDisk;
        body["free_disk_gb"] = totalDisk - usedDisk;
        body["disk_available_least"] = freeDisk;
        body["running_vms"] = running.Count;
        body["current_workload"] = running.Count(s => s.TaskState is not null);
        var cpu = new JsonObject { ["arch"] = "x86_64", ["topology"] = new JsonObject { ["cores"] = host.Vcpus, ["threads"] = 1, ["sockets"] = 1 } };
        body["cpu_info"] = Api.Microversions.AtLeast(context, 28) ? cpu : cpu.ToJsonString();
        body["service"] = new JsonObject { ["id"] = 1, ["host"] = host.HostName, ["disabled_reason"] = null };
        return body;
    }

    private static async Task<IResult> HypervisorsAsync(HttpContext context, PolicyEngine policy, HostResources host, ServerStore servers, IHypervisorDriver driver, bool detail, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:hypervisors");
        return JsonBody.Node(new JsonObject { ["hypervisors"] = new JsonArray(await DescribeAsync(context, host, servers, driver, detail, cancellationToken)) });
    }

    private static async Task<IResult> HypervisorAsync(string id, HttpContext context, PolicyEngine policy, HostResources host, ServerStore servers, IHypervisorDriver driver, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:hypervisors");
        if (id != HypervisorId.ToString(System.Globalization.CultureInfo.InvariantCulture) && id != host.HostName)
            throw ApiFault.NotFound($"Hypervisor with ID '{id}' could not be found.");
        return JsonBody.Node(new JsonObject { ["hypervisor"] = await DescribeAsync(context, host, servers, driver, true, cancellationToken) });
    }

    private static async Task<IResult> StatisticsAsync(HttpContext context, PolicyEngine policy, HostResources host, ServerStore servers, IHypervisorDriver driver, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:hypervisors");
        var one = await DescribeAsync(context, host, servers, driver, true, cancellationToken);
        var stats = new JsonObject { ["count"] = 1 };
        foreach (var key in new[] { "vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "free_ram_mb", "local_gb", "local_gb_used", "free_disk_gb", "disk_available_least", "running_vms", "current_workload" })
            stats[key] = one[key]!.DeepClone();
        return JsonBody.Node(new JsonObject { ["hypervisor_statistics"] = stats });
    }

    private static IResult Services(HttpContext context, PolicyEngine policy, HostResources host)
    {
        context.Authorize(policy, "compute:services");
        var list = new JsonArray();
        var id = 1;
        foreach (var (binary, zone) in new[] { ("nova-compute", "nova"), ("nova-scheduler", "internal"), ("nova-conductor", "internal") })
        {
            list.Add(new JsonObject
            {
                ["id"] = id++,
                ["binary"] = binary,
                ["host"] = host.HostName,
                ["zone"] = zone,
                ["status"] = "enabled",
                ["state"] = "up",
                ["updated_at"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture),
                ["disabled_reason"] = null,
            });
            if (Api.Microversions.AtLeast(context, 11))
                list[^1]!["forced_down"] = false;
        }
        return JsonBody.Node(new JsonObject { ["services"] = list });
    }
}
