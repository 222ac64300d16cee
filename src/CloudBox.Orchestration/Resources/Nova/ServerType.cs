using System.Text;
using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Nova;

/// <summary>
/// <c>OS::Nova::Server</c>: name and metadata update in place (as Nova allows), image, flavor,
/// networks, block devices, user data and config drive replace the server.
/// </summary>
internal sealed class ServerType : ResourceType
{
    public override string Name => "OS::Nova::Server";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["name"] = new("string", UpdateAllowed: true, Description: "Server name."),
        ["image"] = new("string", Description: "The ID or name of the image to boot with."),
        ["flavor"] = new("string", Required: true, Description: "The ID or name of the flavor to boot onto."),
        ["key_name"] = new("string", Description: "Name of keypair to inject into the server."),
        ["networks"] = new("list", Description: "An ordered list of nics to be added to this server ({network, port, fixed_ip})."),
        ["block_device_mapping_v2"] = new("list", Description: "Block device mappings v2 for this server."),
        ["user_data"] = new("string", Description: "User data script to be executed by cloud-init."),
        ["user_data_format"] = new("string", Description: "How the user_data should be formatted for the server (RAW here).", Default: "HEAT_CFNTOOLS"),
        ["config_drive"] = new("boolean", Description: "Enable config drive on the server."),
        ["metadata"] = new("map", UpdateAllowed: true, Description: "Arbitrary key/value metadata to store for this server."),
        ["security_groups"] = new("list", Description: "List of security group names or IDs."),
        ["availability_zone"] = new("string", Description: "Name of the availability zone for server placement."),
        ["scheduler_hints"] = new("map", Description: "Arbitrary key-value pairs specified by the client to help boot a server."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["name"] = "Name of the server.",
        ["first_address"] = "The first IP address of the server.",
        ["addresses"] = "A dict of all network addresses with corresponding port_id.",
        ["networks"] = "A dict of assigned network addresses of the form {network: [address]}.",
        ["accessIPv4"] = "The manually assigned alternative public IPv4 address of the server.",
        ["instance_name"] = "AWS compatible instance name.",
        ["show"] = "Detailed information about the resource.",
    };

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var server = new JsonObject
        {
            ["name"] = properties["name"]?.ToString() ?? context.Stamp,
            ["flavorRef"] = await FlavorIdAsync(context, properties["flavor"]!.ToString(), cancellationToken),
            ["metadata"] = Metadata(properties),
        };
        if (properties["image"] is { } image)
            server["imageRef"] = await context.ResolveIdAsync("image/v2/images", "images", image.ToString(), cancellationToken);
        if (properties["key_name"] is { } key)
            server["key_name"] = key.DeepClone();
        if (properties["user_data"] is { } userData)
            server["user_data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(userData.ToString()));
        if (properties["config_drive"] is { } drive)
            server["config_drive"] = drive.DeepClone();
        if (properties["availability_zone"] is { } zone)
            server["availability_zone"] = zone.DeepClone();
        if (properties["security_groups"] is JsonArray groups)
            server["security_groups"] = new JsonArray(groups.Select(g => (JsonNode?)new JsonObject { ["name"] = g?.ToString() }).ToArray());
        if (properties["block_device_mapping_v2"] is JsonArray mappings)
        {
            var list = new JsonArray();
            foreach (var mapping in mappings.OfType<JsonObject>())
            {
                var entry = new JsonObject();
                foreach (var (k, v) in mapping)
                {
                    var name = k switch { "image" => "uuid", "volume_id" => "uuid", "snapshot_id" => "uuid", "image_id" => "uuid", _ => k };
                    entry[name] = v?.DeepClone();
                }
                entry["source_type"] ??= mapping.ContainsKey("volume_id") ? "volume" : mapping.ContainsKey("image") || mapping.ContainsKey("image_id") ? "image" : mapping.ContainsKey("snapshot_id") ? "snapshot" : "blank";
                entry["destination_type"] ??= "volume";
                list.Add(entry);
            }
            server["block_device_mapping_v2"] = list;
        }
        if (properties["networks"] is JsonArray networks)
        {
            var nics = new JsonArray();
            foreach (var network in networks.OfType<JsonObject>())
            {
                var nic = new JsonObject();
                if (network["port"] is { } port)
                    nic["port"] = port.ToString();
                else if ((network["network"] ?? network["uuid"]) is { } net)
                    nic["uuid"] = await context.ResolveIdAsync("network/v2.0/networks", "networks", net.ToString(), cancellationToken);
                if (network["fixed_ip"] is { } fixedIp)
                    nic["fixed_ip"] = fixedIp.DeepClone();
                nics.Add(nic);
            }
            server["networks"] = nics;
        }
        var created = await context.PostAsync("compute/v2.1/servers", new JsonObject { ["server"] = server }, cancellationToken);
        return created?["server"]?["id"]?.ToString() ?? throw new ResourceFailure("The server was created without an id.");
    }

    private static JsonObject Metadata(JsonObject properties)
    {
        var metadata = new JsonObject();
        foreach (var (k, v) in properties["metadata"] as JsonObject ?? [])
            metadata[k] = v is JsonValue ? TemplateText(v) : v?.ToJsonString();
        return metadata;
    }

    private static string TemplateText(JsonNode? node) => Templates.TemplateFunctions.PlainText(node);

    internal static async Task<string> FlavorIdAsync(ResourceContext context, string nameOrId, CancellationToken cancellationToken)
    {
        if (await context.GetAsync($"compute/v2.1/flavors/{Uri.EscapeDataString(nameOrId)}", cancellationToken) is { } byId && byId["flavor"]?["id"] is { } id)
            return id.ToString();
        var list = await context.GetAsync("compute/v2.1/flavors", cancellationToken);
        return (list?["flavors"] as JsonArray)?.FirstOrDefault(f => f?["name"]?.ToString() == nameOrId)?["id"]?.ToString()
            ?? throw new ResourceFailure($"Flavor {nameOrId} could not be found.");
    }

    public override async Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var server = (await context.GetAsync($"compute/v2.1/servers/{physicalId}", cancellationToken))?["server"]
                ?? throw new ResourceFailure($"Server {physicalId} disappeared during its build.");
            var status = server["status"]?.ToString();
            if (status == "ACTIVE")
                return;
            if (status == "ERROR")
                throw new ResourceFailure($"Went to status ERROR due to \"Message: {server["fault"]?["message"] ?? "Unknown"}, Code: {server["fault"]?["code"] ?? 500}\"");
            await context.PollDelayAsync(cancellationToken);
        }
    }

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        if (changed.Contains("name"))
            await context.PutAsync($"compute/v2.1/servers/{physicalId}", new JsonObject { ["server"] = new JsonObject { ["name"] = after["name"]?.ToString() ?? context.Stamp } }, cancellationToken);
        if (changed.Contains("metadata"))
            await context.PutAsync($"compute/v2.1/servers/{physicalId}/metadata", new JsonObject { ["metadata"] = Metadata(after) }, cancellationToken);
    }

    /// <summary>
    /// As Heat does before a server is replaced: the ports the template gave it (<c>networks: [{port: …}]</c>) are
    /// detached from the old server, so the new one boots on them and keeps their addresses and floating IPs.
    /// </summary>
    public override async Task PrepareForReplaceAsync(ResourceContext context, string physicalId, JsonObject before, CancellationToken cancellationToken)
    {
        foreach (var port in (before["networks"] as JsonArray ?? []).OfType<JsonObject>().Select(n => n["port"]?.ToString()).OfType<string>())
        {
            var url = $"compute/v2.1/servers/{physicalId}/os-interface/{Uri.EscapeDataString(port)}";
            if (await context.GetAsync(url, cancellationToken) is null)
                continue;
            await context.DeleteAsync(url, cancellationToken);
            while ((await context.GetAsync($"network/v2.0/ports/{Uri.EscapeDataString(port)}", cancellationToken))?["port"]?["device_id"]?.ToString() is { Length: > 0 })
                await context.PollDelayAsync(cancellationToken);
        }
    }

    public override async Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        await context.DeleteAsync($"compute/v2.1/servers/{physicalId}", cancellationToken);
        while (await context.GetAsync($"compute/v2.1/servers/{physicalId}", cancellationToken) is { } left)
        {
            if (left["server"]?["status"]?.ToString() is "DELETED" or "SOFT_DELETED")
                return;
            await context.PollDelayAsync(cancellationToken);
        }
    }

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var server = (await context.GetAsync($"compute/v2.1/servers/{physicalId}", cancellationToken))?["server"];
        if (server is null)
            return null;
        switch (name)
        {
            case "show":
                return server.DeepClone();
            case "first_address":
                foreach (var (_, addresses) in server["addresses"] as JsonObject ?? [])
                    if (addresses is JsonArray { Count: > 0 } list)
                        return list[0]?["addr"]?.DeepClone();
                return "";
            case "networks":
                var networks = new JsonObject();
                foreach (var (net, addresses) in server["addresses"] as JsonObject ?? [])
                    networks[net] = new JsonArray((addresses as JsonArray ?? []).Select(a => a?["addr"]?.DeepClone()).ToArray());
                return networks;
            case "instance_name":
                return server["OS-EXT-SRV-ATTR:instance_name"]?.DeepClone();
            default:
                return server[name]?.DeepClone();
        }
    }

    /// <summary>Suspends the server through Compute's <c>suspend</c> action and waits for SUSPENDED (one already suspended is left).</summary>
    public override async Task SuspendAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        if (await StatusAsync(context, physicalId, cancellationToken) == "SUSPENDED")
            return;
        await context.PostAsync($"compute/v2.1/servers/{physicalId}/action", new JsonObject { ["suspend"] = null }, cancellationToken);
        await WaitForAsync(context, physicalId, "SUSPENDED", cancellationToken);
    }

    /// <summary>Resumes a suspended server through Compute's <c>resume</c> action and waits for ACTIVE.</summary>
    public override async Task ResumeAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        if (await StatusAsync(context, physicalId, cancellationToken) != "SUSPENDED")
            return;
        await context.PostAsync($"compute/v2.1/servers/{physicalId}/action", new JsonObject { ["resume"] = null }, cancellationToken);
        await WaitForAsync(context, physicalId, "ACTIVE", cancellationToken);
    }

    /// <summary>As Heat's server check: the server exists and is ACTIVE.</summary>
    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        var status = await StatusAsync(context, physicalId, cancellationToken);
        return status == "ACTIVE" ? null : throw new ResourceFailure($"Server {physicalId} is {status}, expected ACTIVE.");
    }

    private static async Task<string> StatusAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        (await context.GetAsync($"compute/v2.1/servers/{physicalId}", cancellationToken))?["server"]?["status"]?.ToString()
            ?? throw new ResourceFailure($"Server {physicalId} could not be found.");

    private static async Task WaitForAsync(ResourceContext context, string physicalId, string wanted, CancellationToken cancellationToken)
    {
        while (await StatusAsync(context, physicalId, cancellationToken) is var status && status != wanted)
        {
            if (status == "ERROR")
                throw new ResourceFailure($"Server {physicalId} went to ERROR instead of {wanted}.");
            await context.PollDelayAsync(cancellationToken);
        }
    }

    public override async Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        var list = await context.GetAsync($"compute/v2.1/servers?name={Uri.EscapeDataString("^" + context.Stamp + "$")}", cancellationToken);
        return (list?["servers"] as JsonArray)?.FirstOrDefault()?["id"]?.ToString();
    }
}
