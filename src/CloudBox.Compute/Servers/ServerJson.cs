using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Core.Ids;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Compute.Servers;

/// <summary>Servers on the wire at microversion 2.1, with the extension attributes clients and Tempest read.</summary>
public static class ServerJson
{
    public static JsonObject Summary(HttpContext context, ServerRecord server) => new()
    {
        ["id"] = server.Id,
        ["name"] = server.Name,
        ["links"] = ComputeLinks.For(context, "servers", server.Id),
    };

    public static JsonObject Detail(HttpContext context, ServerRecord server, bool admin, IReadOnlyList<Core.Networking.ServerPort>? ports = null)
    {
        var status = ServerStates.Status(server.VmState, server.TaskState);
        var body = new JsonObject
        {
            ["id"] = server.Id,
            ["name"] = server.Name,
            ["status"] = status,
            ["tenant_id"] = server.ProjectId,
            ["user_id"] = server.UserId,
            ["metadata"] = JsonNode.Parse(server.Metadata),
            ["hostId"] = HostId(server),
            ["image"] = string.IsNullOrEmpty(server.ImageId) ? "" : new JsonObject { ["id"] = server.ImageId, ["links"] = Bookmark(context, "images", server.ImageId) },
            ["flavor"] = new JsonObject { ["id"] = server.FlavorId, ["links"] = Bookmark(context, "flavors", server.FlavorId) },
            ["created"] = Wire(server.CreatedAt),
            ["updated"] = Wire(server.UpdatedAt),
            ["addresses"] = Networking.ServerAddresses.Json(ports),
            ["accessIPv4"] = server.AccessIpv4,
            ["accessIPv6"] = server.AccessIpv6,
            ["links"] = ComputeLinks.For(context, "servers", server.Id),
            ["key_name"] = server.KeyName,
            ["config_drive"] = server.ConfigDrive ? "True" : "",
            ["OS-DCF:diskConfig"] = "MANUAL",
            ["OS-EXT-AZ:availability_zone"] = server.AvailabilityZone,
            ["OS-EXT-STS:vm_state"] = server.VmState,
            ["OS-EXT-STS:task_state"] = server.TaskState,
            ["OS-EXT-STS:power_state"] = server.PowerState,
            ["OS-SRV-USG:launched_at"] = server.LaunchedAt is null ? null : Microseconds(server.LaunchedAt),
            ["OS-SRV-USG:terminated_at"] = server.TerminatedAt is null ? null : Microseconds(server.TerminatedAt),
            ["os-extended-volumes:volumes_attached"] = new JsonArray(),
        };
        if (status is "ACTIVE" or "BUILD" or "REBUILD")
            body["progress"] = status == "ACTIVE" ? 100 : 0;
        if (admin)
        {
            body["OS-EXT-SRV-ATTR:host"] = server.Host;
            body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = server.Host;
            body["OS-EXT-SRV-ATTR:instance_name"] = InstanceName(server.Id);
        }
        if (admin && Microversions.AtLeast(context, 3))
        {
            var image = Build.ImageSnapshot.Parse(server.Image);
            body["OS-EXT-SRV-ATTR:reservation_id"] = "r-" + server.Id[..8];
            body["OS-EXT-SRV-ATTR:launch_index"] = 0;
            body["OS-EXT-SRV-ATTR:hostname"] = Metadata.MetadataContent.HostnameOf(server.Name);
            body["OS-EXT-SRV-ATTR:kernel_id"] = image.KernelId ?? "";
            body["OS-EXT-SRV-ATTR:ramdisk_id"] = image.RamdiskId ?? "";
            body["OS-EXT-SRV-ATTR:root_device_name"] = "/dev/vda";
            body["OS-EXT-SRV-ATTR:user_data"] = server.UserData;
        }
        if (Microversions.AtLeast(context, 9))
            body["locked"] = server.Locked;
        if (admin && Microversions.AtLeast(context, 16))
            body["host_status"] = string.IsNullOrEmpty(server.Host) ? "" : "UP";
        if (Microversions.AtLeast(context, 19))
            body["description"] = server.Description;
        if (Microversions.AtLeast(context, 26))
            body["tags"] = JsonNode.Parse(server.Tags);
        if (server.Fault is not null && server.VmState is ServerStates.Error)
        {
            var fault = JsonNode.Parse(server.Fault)!.AsObject();
            if (!admin && fault["code"]?.GetValue<int>() == 500)
                fault.Remove("details");
            body["fault"] = fault;
        }
        return body;
    }

    public static string InstanceName(string id) => "instance-" + id[..8];

    /// <summary>Nova's opaque host id: a hash of the project and host, so projects cannot map the cloud.</summary>
    public static string HostId(ServerRecord server)
    {
        if (string.IsNullOrEmpty(server.Host))
            return "";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(server.ProjectId + server.Host)))[..56];
    }

    public static string Wire(string stored) => Timestamps.ToSeconds(Timestamps.FromStorage(stored));

    public static string Microseconds(string stored) =>
        Timestamps.FromStorage(stored).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture);

    private static JsonArray Bookmark(HttpContext context, string collection, string id)
    {
        var root = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/compute";
        return new JsonArray(new JsonObject { ["rel"] = "bookmark", ["href"] = $"{root}/{collection}/{id}" });
    }
}
