using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Compute.Servers;
using CloudBox.Core.Compute;
using CloudBox.Core.Networking;

namespace CloudBox.Compute.Metadata;

/// <summary>
/// What a guest learns about itself, built once for both ways it can ask: the files of the config
/// drive and the paths of the metadata service (169.254.169.254), in OpenStack's layout
/// (<c>openstack/&lt;version&gt;/meta_data.json</c>…) and the EC2 one (<c>latest/meta-data/…</c>).
/// </summary>
public sealed class MetadataContent(ServerRecord server, IReadOnlyList<ServerPort> ports, Ec2InstanceIdentity? ec2 = null)
{
    /// <summary>OpenStack metadata versions, oldest first; later files appear from the version that introduced them.</summary>
    public static readonly string[] OpenStackVersions =
        ["2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30", "2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14", "latest"];

    public static readonly string[] Ec2Versions =
        ["1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15", "2008-02-01", "2008-09-01", "2009-04-04", "latest"];

    private const string Json = "application/json";
    private const string Text = "text/plain; charset=utf-8";

    private byte[]? UserData => server.UserData is null ? null : Convert.FromBase64String(server.UserData);

    public string Hostname => HostnameOf(server.Name);

    public JsonObject MetaData()
    {
        var meta = new JsonObject
        {
            ["uuid"] = server.Id,
            ["name"] = server.Name,
            ["hostname"] = Hostname,
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
        return meta;
    }

    /// <summary>
    /// The guest's interfaces (links, by tap name and MAC), its addresses and the DNS servers, as
    /// Nova writes them: per port its IPv4 then its IPv6 addresses. IPv4 is <c>ipv4_dhcp</c> when the
    /// subnet runs DHCP, else static <c>ipv4</c> with routes. IPv6 names the subnet's address mode
    /// (<c>ipv6_slaac</c>, <c>ipv6_dhcpv6-stateless</c>, <c>ipv6_dhcpv6-stateful</c>) with the
    /// address, netmask, routes and DNS all the same; without a mode it is <c>ipv6_dhcp</c> when the
    /// subnet runs DHCP, else static <c>ipv6</c>.
    /// </summary>
    public JsonObject NetworkData()
    {
        var links = new JsonArray();
        var networks = new JsonArray();
        var dns = new List<string>();
        foreach (var port in ports)
        {
            links.Add(new JsonObject
            {
                ["id"] = port.TapName,
                ["vif_id"] = port.PortId,
                ["type"] = "phy",
                ["mtu"] = port.Mtu,
                ["ethernet_mac_address"] = port.MacAddress,
            });
            foreach (var address in port.FixedIps.Where(a => a.Version == 4).Concat(port.FixedIps.Where(a => a.Version == 6)))
            {
                networks.Add(NetworkOf(port, address, "network" + networks.Count));
                dns.AddRange(address.DnsNameservers.Where(d => !dns.Contains(d)));
            }
        }
        return new JsonObject
        {
            ["links"] = links,
            ["networks"] = networks,
            ["services"] = new JsonArray([.. dns.Select(d => (JsonNode)Dns(d))]),
        };
    }

    /// <summary>One entry of <c>networks</c>: only the type when DHCP gives the rest, else the address with its mask, routes and DNS.</summary>
    private static JsonObject NetworkOf(ServerPort port, PortAddress address, string id)
    {
        var ipv6 = address.Version == 6;
        var network = new JsonObject
        {
            ["id"] = id,
            ["link"] = port.TapName,
            ["network_id"] = port.NetworkId,
        };
        if (ipv6 && address.Ipv6AddressMode is { } mode)
        {
            network["type"] = "ipv6_" + mode;
        }
        else if (address.DhcpEnabled)
        {
            network["type"] = ipv6 ? "ipv6_dhcp" : "ipv4_dhcp";
            return network;
        }
        else
        {
            network["type"] = ipv6 ? "ipv6" : "ipv4";
        }
        network["ip_address"] = address.Address;
        network["netmask"] = Netmask(address.Cidr, ipv6);
        var routes = new JsonArray();
        if (address.Gateway is { } gateway)
            routes.Add(new JsonObject { ["network"] = ipv6 ? "::" : "0.0.0.0", ["netmask"] = ipv6 ? "::" : "0.0.0.0", ["gateway"] = gateway });
        foreach (var (destination, nextHop) in address.HostRoutes)
        {
            var slash = destination.IndexOf('/');
            routes.Add(new JsonObject
            {
                ["network"] = slash < 0 ? destination : destination[..slash],
                ["netmask"] = Netmask(destination, ipv6),
                ["gateway"] = nextHop,
            });
        }
        network["routes"] = routes;
        network["services"] = new JsonArray([.. address.DnsNameservers.Select(d => (JsonNode)Dns(d))]);
        return network;
    }

    /// <summary>The EC2 <c>meta-data</c> tree: objects are directories, strings are values.</summary>
    public JsonObject Ec2MetaData()
    {
        var fixedIp = ports.SelectMany(p => p.FixedIps).FirstOrDefault(a => a.Version == 4)?.Address ?? "";
        var floatingIp = ports.SelectMany(p => p.FloatingIps).FirstOrDefault() ?? "";
        var tree = new JsonObject
        {
            ["ami-id"] = ec2?.ImageId ?? server.ImageId,
            ["ami-launch-index"] = "0",
            ["ami-manifest-path"] = "FIXME",
            ["block-device-mapping"] = new JsonObject { ["ami"] = "vda", ["root"] = "/dev/vda" },
            ["hostname"] = Hostname,
            ["instance-action"] = "none",
            ["instance-id"] = ec2?.InstanceId ?? server.Id,
            ["instance-type"] = JsonNode.Parse(server.Flavor)?["name"]?.GetValue<string>() ?? server.FlavorId,
            ["local-hostname"] = Hostname,
            ["local-ipv4"] = fixedIp,
            ["placement"] = new JsonObject { ["availability-zone"] = server.AvailabilityZone },
            ["public-hostname"] = Hostname,
            ["public-ipv4"] = floatingIp,
            ["reservation-id"] = ec2?.ReservationId ?? "r-" + server.Id[..8],
            ["security-groups"] = "default",
        };
        if (server.KeyName is not null && server.KeyData is not null)
            tree["public-keys"] = new JsonObject { ["0"] = new JsonObject { ["openssh-key"] = server.KeyData } };
        return tree;
    }

    /// <summary>Every file of the config drive (<c>config-2</c>), by path.</summary>
    public Dictionary<string, byte[]> ConfigDriveFiles()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var version in OpenStackVersions)
        {
            foreach (var name in OpenStackFiles(version))
                files[$"openstack/{version}/{name}"] = OpenStackFile(name)!;
        }
        files["ec2/latest/meta-data.json"] = Encoding.UTF8.GetBytes(Ec2MetaData().ToJsonString());
        if (UserData is { } userData)
            files["ec2/latest/user-data"] = userData;
        return files;
    }

    /// <summary>The metadata service's answer to a GET of <paramref name="path"/>.</summary>
    public MetadataAnswer Answer(string path)
    {
        var query = path.IndexOf('?');
        if (query >= 0)
            path = path[..query];
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
            return Listing(Ec2Versions);
        if (parts[0] == "openstack")
            return AnswerOpenStack(parts[1..]);
        if (Array.IndexOf(Ec2Versions, parts[0]) < 0)
            return NotFound;
        if (parts.Length == 1)
            return Listing(UserData is null ? ["meta-data/"] : ["meta-data/", "user-data"]);
        if (parts[1] == "user-data" && parts.Length == 2)
            return UserData is { } data ? new MetadataAnswer(200, "application/octet-stream", data) : NotFound;
        if (parts[1] != "meta-data")
            return NotFound;
        return AnswerEc2Tree(parts[2..], path.EndsWith('/'));
    }

    private MetadataAnswer AnswerOpenStack(string[] parts)
    {
        if (parts.Length == 0)
            return Listing(OpenStackVersions);
        var version = parts[0];
        if (Array.IndexOf(OpenStackVersions, version) < 0)
            return NotFound;
        var names = OpenStackFiles(version);
        if (parts.Length == 1)
            return Listing(names);
        if (parts.Length != 2 || !names.Contains(parts[1]))
            return NotFound;
        return new MetadataAnswer(200, parts[1].EndsWith(".json", StringComparison.Ordinal) ? Json : "application/octet-stream", OpenStackFile(parts[1])!);
    }

    private MetadataAnswer AnswerEc2Tree(string[] parts, bool asDirectory)
    {
        JsonNode? node = Ec2MetaData();
        foreach (var part in parts)
        {
            node = node is JsonObject directory ? directory[part] : null;
            if (node is null)
                return NotFound;
        }
        if (node is JsonObject listing)
        {
            // EC2 lists public keys by index and name ("0=mykey"), everything else by name, directories with a slash.
            if (parts is ["public-keys"])
                return Listing([.. listing.Select(k => $"{k.Key}={server.KeyName}")]);
            return Listing([.. listing.Select(k => k.Value is JsonObject ? k.Key + "/" : k.Key)]);
        }
        return asDirectory ? NotFound : new MetadataAnswer(200, Text, Encoding.UTF8.GetBytes(node.GetValue<string>()));
    }

    private List<string> OpenStackFiles(string version)
    {
        var index = Array.IndexOf(OpenStackVersions, version);
        var names = new List<string> { "meta_data.json" };
        if (UserData is not null)
            names.Add("user_data");
        if (index >= Array.IndexOf(OpenStackVersions, "2013-10-17"))
            names.Add("vendor_data.json");
        if (index >= Array.IndexOf(OpenStackVersions, "2015-10-15"))
            names.Add("network_data.json");
        if (index >= Array.IndexOf(OpenStackVersions, "2016-10-06"))
            names.Add("vendor_data2.json");
        return names;
    }

    private byte[]? OpenStackFile(string name) => name switch
    {
        "meta_data.json" => Encoding.UTF8.GetBytes(MetaData().ToJsonString()),
        "network_data.json" => Encoding.UTF8.GetBytes(NetworkData().ToJsonString()),
        "vendor_data.json" or "vendor_data2.json" => "{}"u8.ToArray(),
        "user_data" => UserData,
        _ => null,
    };

    public static readonly MetadataAnswer NotFound = new(404, Text, "404 Not Found\n"u8.ToArray());

    private static MetadataAnswer Listing(IEnumerable<string> entries) => new(200, Text, Encoding.UTF8.GetBytes(string.Join('\n', entries)));

    private static JsonObject Dns(string address) => new() { ["type"] = "dns", ["address"] = address };

    /// <summary>
    /// <c>10.0.0.0/24</c> → <c>255.255.255.0</c>, <c>2001:db8::/64</c> → <c>ffff:ffff:ffff:ffff::</c>
    /// (IPv6 masks in the same address form, as Nova writes them); a bare address is a host.
    /// </summary>
    private static string Netmask(string cidr, bool ipv6 = false)
    {
        var slash = cidr.IndexOf('/');
        var bits = ipv6 ? 128 : 32;
        var prefix = slash < 0 ? bits : int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var mask = new byte[bits / 8];
        for (var i = 0; i < prefix; i++)
            mask[i / 8] |= (byte)(0x80 >> (i % 8));
        return new System.Net.IPAddress(mask).ToString();
    }

    /// <summary>A DNS-safe host name from the server name, as Nova derives it.</summary>
    public static string HostnameOf(string name)
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
