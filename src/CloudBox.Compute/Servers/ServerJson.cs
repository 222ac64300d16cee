using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Core.Ids;
using CloudBox.Core.Networking;
using CloudBox.Core.Volumes;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Compute.Servers;

/// <summary>
/// Servers on the wire, with the extension attributes clients and Tempest read and the fields each
/// microversion adds. Written straight to a <see cref="Utf8JsonWriter"/>: a detail page of a
/// thousand servers is one pass over the rows, without a node tree per server.
/// </summary>
public sealed class ServerJson
{
    private readonly string _root;
    private readonly string _versioned;
    private readonly int _minor;
    private readonly bool _admin;
    private readonly Dictionary<(string Project, string Host), string> _hostIds = [];

    public ServerJson(HttpContext context, bool admin)
    {
        _root = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/compute";
        _versioned = _root + "/v2.1";
        _minor = Microversions.Minor(context);
        _admin = admin;
    }

    /// <summary>The writer options every server body uses: plain characters stay as they are, as in <see cref="Core.Api.JsonBody"/>.</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The names of the groups on the server's ports, each once, as Nova shows them (absent when there are none).</summary>
    private static void WriteSecurityGroups(Utf8JsonWriter json, IReadOnlyList<ServerPort>? ports)
    {
        var names = (ports ?? []).SelectMany(p => p.SecurityGroups ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
            return;
        json.WriteStartArray("security_groups");
        foreach (var name in names)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    public void WriteSummary(Utf8JsonWriter json, ServerRecord server)
    {
        json.WriteStartObject();
        json.WriteString("id", server.Id);
        json.WriteString("name", server.Name);
        WriteLinks(json, server.Id);
        json.WriteEndObject();
    }

    public void WriteDetail(Utf8JsonWriter json, ServerRecord server, IReadOnlyList<ServerPort>? ports, IReadOnlyList<VolumeAttachment>? volumes,
        string? adminPass = null)
    {
        var status = ServerStates.Status(server.VmState, server.TaskState);
        json.WriteStartObject();
        json.WriteString("id", server.Id);
        json.WriteString("name", server.Name);
        json.WriteString("status", status);
        json.WriteString("tenant_id", server.ProjectId);
        json.WriteString("user_id", server.UserId);
        json.WritePropertyName("metadata");
        json.WriteRawValue(server.Metadata, skipInputValidation: true); // our own JSON, written by ServerStore
        json.WriteString("hostId", HostId(server));
        if (string.IsNullOrEmpty(server.ImageId))
        {
            json.WriteString("image", "");
        }
        else
        {
            json.WriteStartObject("image");
            json.WriteString("id", server.ImageId);
            WriteBookmark(json, "images", server.ImageId);
            json.WriteEndObject();
        }
        json.WriteStartObject("flavor");
        json.WriteString("id", server.FlavorId);
        WriteBookmark(json, "flavors", server.FlavorId);
        json.WriteEndObject();
        json.WriteString("created", Wire(server.CreatedAt));
        json.WriteString("updated", Wire(server.UpdatedAt));
        json.WritePropertyName("addresses");
        Networking.ServerAddresses.Write(json, ports);
        json.WriteString("accessIPv4", server.AccessIpv4);
        json.WriteString("accessIPv6", server.AccessIpv6);
        WriteLinks(json, server.Id);
        json.WriteString("key_name", server.KeyName);
        json.WriteString("config_drive", server.ConfigDrive ? "True" : "");
        json.WriteString("OS-DCF:diskConfig", "MANUAL");
        json.WriteString("OS-EXT-AZ:availability_zone", server.AvailabilityZone);
        json.WriteString("OS-EXT-STS:vm_state", server.VmState);
        json.WriteString("OS-EXT-STS:task_state", server.TaskState);
        json.WriteNumber("OS-EXT-STS:power_state", server.PowerState);
        json.WriteString("OS-SRV-USG:launched_at", server.LaunchedAt is null ? null : Microseconds(server.LaunchedAt));
        json.WriteString("OS-SRV-USG:terminated_at", server.TerminatedAt is null ? null : Microseconds(server.TerminatedAt));
        WriteVolumesAttached(json, volumes);
        WriteSecurityGroups(json, ports);
        if (status is "ACTIVE" or "BUILD" or "REBUILD")
            json.WriteNumber("progress", status == "ACTIVE" ? 100 : 0);
        if (_admin)
        {
            json.WriteString("OS-EXT-SRV-ATTR:host", server.Host);
            json.WriteString("OS-EXT-SRV-ATTR:hypervisor_hostname", server.Host);
            json.WriteString("OS-EXT-SRV-ATTR:instance_name", InstanceName(server.Id));
        }
        if (_admin && _minor >= 3)
        {
            var image = Build.ImageSnapshot.Parse(server.Image);
            json.WriteString("OS-EXT-SRV-ATTR:reservation_id", "r-" + server.Id[..8]);
            json.WriteNumber("OS-EXT-SRV-ATTR:launch_index", 0);
            json.WriteString("OS-EXT-SRV-ATTR:hostname", Metadata.MetadataContent.HostnameOf(server.Name));
            json.WriteString("OS-EXT-SRV-ATTR:kernel_id", image.KernelId ?? "");
            json.WriteString("OS-EXT-SRV-ATTR:ramdisk_id", image.RamdiskId ?? "");
            json.WriteString("OS-EXT-SRV-ATTR:root_device_name", "/dev/vda");
            json.WriteString("OS-EXT-SRV-ATTR:user_data", server.UserData);
        }
        if (_minor >= 9)
            json.WriteBoolean("locked", server.Locked);
        if (_admin && _minor >= 16)
            json.WriteString("host_status", string.IsNullOrEmpty(server.Host) ? "" : "UP");
        if (_minor >= 19)
            json.WriteString("description", server.Description);
        if (_minor >= 26)
        {
            json.WritePropertyName("tags");
            json.WriteRawValue(server.Tags, skipInputValidation: true);
        }
        if (server.Fault is not null && server.VmState is ServerStates.Error)
        {
            json.WritePropertyName("fault");
            WriteFault(json, server.Fault);
        }
        if (adminPass is not null)
            json.WriteString("adminPass", adminPass);
        json.WriteEndObject();
    }

    /// <summary>
    /// The stored fault (our own JSON) as it is, except that a 500's details are the cloud's internals:
    /// only admins see them, as in Nova. No parse for admins: a page of failed servers stays cheap.
    /// </summary>
    private void WriteFault(Utf8JsonWriter json, string stored)
    {
        if (_admin)
        {
            json.WriteRawValue(stored, skipInputValidation: true);
            return;
        }
        using var fault = JsonDocument.Parse(stored);
        var hideDetails = fault.RootElement.TryGetProperty("code", out var code) && code.TryGetInt32(out var number) && number == 500;
        json.WriteStartObject();
        foreach (var property in fault.RootElement.EnumerateObject())
            if (!hideDetails || !property.NameEquals("details"))
                property.WriteTo(json);
        json.WriteEndObject();
    }

    /// <summary><c>os-extended-volumes:volumes_attached</c>; from 2.3 each entry also carries <c>delete_on_termination</c>.</summary>
    private void WriteVolumesAttached(Utf8JsonWriter json, IReadOnlyList<VolumeAttachment>? volumes)
    {
        json.WriteStartArray("os-extended-volumes:volumes_attached");
        foreach (var attachment in volumes ?? [])
        {
            json.WriteStartObject();
            json.WriteString("id", attachment.VolumeId);
            if (_minor >= 3)
                json.WriteBoolean("delete_on_termination", attachment.DeleteOnTermination);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>Nova's <c>links</c>: a versioned <c>self</c> and an unversioned <c>bookmark</c>.</summary>
    private void WriteLinks(Utf8JsonWriter json, string id)
    {
        json.WriteStartArray("links");
        json.WriteStartObject();
        json.WriteString("rel", "self");
        json.WriteString("href", $"{_versioned}/servers/{id}");
        json.WriteEndObject();
        json.WriteStartObject();
        json.WriteString("rel", "bookmark");
        json.WriteString("href", $"{_root}/servers/{id}");
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private void WriteBookmark(Utf8JsonWriter json, string collection, string id)
    {
        json.WriteStartArray("links");
        json.WriteStartObject();
        json.WriteString("rel", "bookmark");
        json.WriteString("href", $"{_root}/{collection}/{id}");
        json.WriteEndObject();
        json.WriteEndArray();
    }

    /// <summary>The hash is the same for every server of a project on a host: computed once per page.</summary>
    private string HostId(ServerRecord server)
    {
        if (string.IsNullOrEmpty(server.Host))
            return "";
        var key = (server.ProjectId, server.Host);
        if (!_hostIds.TryGetValue(key, out var hostId))
            _hostIds[key] = hostId = HostIdOf(server);
        return hostId;
    }

    public static string InstanceName(string id) => "instance-" + id[..8];

    /// <summary>Nova's opaque host id: a hash of the project and host, so projects cannot map the cloud.</summary>
    public static string HostIdOf(ServerRecord server)
    {
        if (string.IsNullOrEmpty(server.Host))
            return "";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(server.ProjectId + server.Host)))[..56];
    }

    public static string Wire(string stored) =>
        IsStorageForm(stored) ? string.Concat(stored.AsSpan(0, 19), "Z") : Timestamps.ToSeconds(Timestamps.FromStorage(stored));

    public static string Microseconds(string stored) =>
        IsStorageForm(stored) ? stored[..26]
            : Timestamps.FromStorage(stored).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// True for <see cref="Timestamps.ToStorage"/>'s own form (<c>2026-11-25T10:00:00.123456Z</c>, UTC):
    /// the wire forms are then its prefixes, with no parse per timestamp of a thousand-server page.
    /// </summary>
    private static bool IsStorageForm(string stored) =>
        stored.Length == 27 && stored[4] == '-' && stored[10] == 'T' && stored[19] == '.' && stored[26] == 'Z';
}
