using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Compute.Servers;

namespace CloudBox.Compute.ConfigDrive;

/// <summary>
/// The metadata a guest reads through cloud-init, as files in the OpenStack layout: the same
/// content serves the config drive now and the metadata service once Networking lands.
/// </summary>
public static class InstanceMetadata
{
    public static Dictionary<string, byte[]> Files(ServerRecord server)
    {
        var meta = new JsonObject
        {
            ["uuid"] = server.Id,
            ["name"] = server.Name,
            ["hostname"] = Hostname(server.Name),
            ["launch_index"] = 0,
            ["availability_zone"] = server.AvailabilityZone,
            ["project_id"] = server.ProjectId,
            ["meta"] = JsonNode.Parse(server.Metadata),
            ["random_seed"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(512)),
            ["devices"] = new JsonArray(),
        };
        if (server.KeyName is not null && server.KeyData is not null)
        {
            meta["public_keys"] = new JsonObject { [server.KeyName] = server.KeyData };
            meta["keys"] = new JsonArray(new JsonObject { ["name"] = server.KeyName, ["type"] = "ssh", ["data"] = server.KeyData });
        }
        var network = new JsonObject { ["links"] = new JsonArray(), ["networks"] = new JsonArray(), ["services"] = new JsonArray() };
        var ec2 = new JsonObject
        {
            ["instance-id"] = server.Id,
            ["hostname"] = Hostname(server.Name),
            ["local-hostname"] = Hostname(server.Name),
            ["placement"] = new JsonObject { ["availability-zone"] = server.AvailabilityZone },
            ["ami-id"] = server.ImageId,
            ["instance-type"] = JsonNode.Parse(server.Flavor)?["name"]?.GetValue<string>() ?? server.FlavorId,
        };
        if (server.KeyName is not null && server.KeyData is not null)
            ec2["public-keys"] = new JsonObject { ["0"] = new JsonObject { ["openssh-key"] = server.KeyData } };

        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var version in new[] { "latest", "2012-08-10" })
        {
            files[$"openstack/{version}/meta_data.json"] = Encoding.UTF8.GetBytes(meta.ToJsonString());
            files[$"openstack/{version}/network_data.json"] = Encoding.UTF8.GetBytes(network.ToJsonString());
            files[$"openstack/{version}/vendor_data.json"] = "{}"u8.ToArray();
            files[$"openstack/{version}/vendor_data2.json"] = "{}"u8.ToArray();
        }
        files["ec2/latest/meta-data.json"] = Encoding.UTF8.GetBytes(ec2.ToJsonString());
        if (server.UserData is not null)
        {
            var userData = Convert.FromBase64String(server.UserData);
            files["openstack/latest/user_data"] = userData;
            files["openstack/2012-08-10/user_data"] = userData;
            files["ec2/latest/user-data"] = userData;
        }
        return files;
    }

    /// <summary>A DNS-safe host name from the server name, as Nova derives it.</summary>
    public static string Hostname(string name)
    {
        var builder = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '-' ? c : c is ' ' or '_' or '.' ? '-' : '\0');
        var result = builder.ToString().Replace("\0", "", StringComparison.Ordinal).Trim('-');
        if (result.Length > 63)
            result = result[..63].TrimEnd('-');
        return result.Length == 0 ? "server" : result;
    }
}
