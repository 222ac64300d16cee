using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Trove;

/// <summary>
/// <c>OS::Trove::Instance</c>: a database instance through the Databases module's Trove API. The name
/// changes in place; a resize (flavor or size) is refused with the reason rather than replacing the
/// instance, which would lose its data; anything else replaces it. Created when Trove reports it ACTIVE.
/// </summary>
internal sealed class InstanceType : ResourceType
{
    public override string Name => "OS::Trove::Instance";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["name"] = new("string", UpdateAllowed: true, Description: "Name of the DB instance to create."),
        ["flavor"] = new("string", Required: true, UpdateAllowed: true, Description: "Reference to a flavor for creating DB instance."),
        ["size"] = new("integer", Required: true, UpdateAllowed: true, Description: "Database volume size in GB."),
        ["volume_type"] = new("string", Description: "The volume type of the database volume."),
        ["datastore_type"] = new("string", Description: "Name of registered datastore type."),
        ["datastore_version"] = new("string", Description: "Name of the registered datastore version."),
        ["databases"] = new("list", Description: "List of databases to be created on DB instance creation (name, character_set, collate)."),
        ["users"] = new("list", Description: "List of users to be created on DB instance creation (name, password, host, databases)."),
        ["networks"] = new("list", Description: "List of network interfaces to create on instance (network, fixed_ip)."),
        ["availability_zone"] = new("string", Description: "Name of the availability zone for DB instance."),
        ["restore_point"] = new("string", Description: "DB instance restore point (a backup id)."),
        ["configuration"] = new("string", Description: "Reference to a configuration group."),
        ["is_public"] = new("boolean", Description: "Whether the database service is exposed to the public."),
        ["allowed_cidrs"] = new("list", Description: "A list of IPv4, IPv6 or a mix of both that are allowed to access the database."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["hostname"] = "Hostname of the instance (its first address).",
        ["href"] = "Api endpoint reference of the instance.",
        ["show"] = "Detailed information about the resource.",
    };

    private static string Url(ResourceContext context) => $"database/v1.0/{context.ProjectId}/instances";

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var instance = new JsonObject
        {
            ["name"] = properties["name"]?.ToString() ?? context.Stamp,
            ["flavorRef"] = await Nova.ServerType.FlavorIdAsync(context, properties["flavor"]!.ToString(), cancellationToken),
            ["volume"] = new JsonObject { ["size"] = properties["size"]?.DeepClone() },
        };
        if (properties["volume_type"] is { } volumeType)
            instance["volume"]!["type"] = volumeType.DeepClone();
        if (properties["datastore_type"] is not null || properties["datastore_version"] is not null)
            instance["datastore"] = new JsonObject { ["type"] = properties["datastore_type"]?.DeepClone(), ["version"] = properties["datastore_version"]?.DeepClone() };
        if (properties["databases"] is JsonArray databases)
            instance["databases"] = databases.DeepClone();
        if (properties["users"] is JsonArray users)
            instance["users"] = Users(users);
        if (properties["networks"] is JsonArray networks)
            instance["nics"] = await NicsAsync(context, networks, cancellationToken);
        if (properties["availability_zone"] is { } zone)
            instance["availability_zone"] = zone.DeepClone();
        if (properties["restore_point"] is { } backup)
            instance["restorePoint"] = new JsonObject { ["backupRef"] = backup.DeepClone() };
        if (properties["configuration"] is { } configuration)
            instance["configuration"] = configuration.DeepClone();
        if (properties["is_public"] is not null || properties["allowed_cidrs"] is not null)
            instance["access"] = new JsonObject { ["is_public"] = properties["is_public"]?.DeepClone() ?? false, ["allowed_cidrs"] = properties["allowed_cidrs"]?.DeepClone() };
        var created = await context.PostAsync(Url(context), new JsonObject { ["instance"] = instance }, cancellationToken);
        return created?["instance"]?["id"]?.ToString() ?? throw new ResourceFailure("The database instance was created without an id.");
    }

    /// <summary>Heat's users name their databases as strings; Trove's take <c>{"name": …}</c> objects.</summary>
    private static JsonArray Users(JsonArray users) => new([.. users.Select(user =>
    {
        var copy = user?.DeepClone() as JsonObject ?? throw new ResourceFailure("Each of users is a map with name and password.");
        if (copy["databases"] is JsonArray databases)
            copy["databases"] = new JsonArray([.. databases.Select(d => d is JsonObject named ? named.DeepClone() : new JsonObject { ["name"] = d?.ToString() })]);
        return (JsonNode)copy;
    })]);

    /// <summary>Heat's <c>networks</c> entries as Trove's <c>nics</c>: a network by name or id, with a fixed address if given.</summary>
    private static async Task<JsonArray> NicsAsync(ResourceContext context, JsonArray networks, CancellationToken cancellationToken)
    {
        var nics = new JsonArray();
        foreach (var entry in networks)
        {
            if (entry?["port"] is not null)
                throw new ResourceFailure("Database instances are put on a network, not on a given port: use networks' network (and fixed_ip).");
            var network = entry?["network"] ?? throw new ResourceFailure("Each of networks needs a network.");
            var nic = new JsonObject { ["network_id"] = await context.ResolveIdAsync("network/v2.0/networks", "networks", network.ToString(), cancellationToken) };
            if (entry["fixed_ip"] is { } address)
                nic["ip_address"] = address.DeepClone();
            nics.Add(nic);
        }
        return nics;
    }

    public override async Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var instance = (await context.GetAsync($"{Url(context)}/{physicalId}", cancellationToken))?["instance"]
                ?? throw new ResourceFailure($"The database instance {physicalId} disappeared.");
            switch (instance["status"]?.ToString())
            {
                case "ACTIVE" or "HEALTHY":
                    return;
                case "ERROR" or "FAILED":
                    throw new ResourceFailure($"Went to status {instance["status"]} due to \"{instance["fault"]?["message"]?.ToString() ?? "Unknown"}\"");
            }
            await context.PollDelayAsync(cancellationToken);
        }
    }

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed,
        CancellationToken cancellationToken)
    {
        if (changed.Contains("flavor") || changed.Contains("size"))
            throw new ResourceFailure("Resizing a database instance (flavor or size) is not supported by this cloud yet; replacing it would lose its data.");
        if (changed.Contains("name"))
        {
            await context.SendAsync(HttpMethod.Patch, $"{Url(context)}/{physicalId}",
                new JsonObject { ["instance"] = new JsonObject { ["name"] = after["name"]?.ToString() ?? context.Stamp } }, cancellationToken);
        }
    }

    public override async Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        await context.DeleteAsync($"{Url(context)}/{physicalId}", cancellationToken);
        while (await context.GetAsync($"{Url(context)}/{physicalId}", cancellationToken) is { } left)
        {
            if (left["instance"]?["status"]?.ToString() == "ERROR" && left["instance"]?["fault"] is not null)
                throw new ResourceFailure($"The database instance {physicalId} could not be deleted: {left["instance"]?["fault"]?["message"]}");
            await context.PollDelayAsync(cancellationToken);
        }
    }

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var live = (await context.GetAsync($"{Url(context)}/{physicalId}", cancellationToken))?["instance"];
        return name switch
        {
            "hostname" => live?["ip"]?.AsArray().FirstOrDefault()?.DeepClone() ?? live?["hostname"]?.DeepClone(),
            "href" => live?["links"]?.AsArray().FirstOrDefault(l => l?["rel"]?.ToString() == "self")?["href"]?.DeepClone(),
            _ => Shown(live, name),
        };
    }

    /// <summary>The instance exists and is ACTIVE (or HEALTHY).</summary>
    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        var status = (await context.GetAsync($"{Url(context)}/{physicalId}", cancellationToken))?["instance"]?["status"]?.ToString()
            ?? throw new ResourceFailure($"The database instance {physicalId} could not be found.");
        return status is "ACTIVE" or "HEALTHY" ? null : throw new ResourceFailure($"The database instance {physicalId} is {status}, expected ACTIVE.");
    }

    public override async Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        string? marker = null;
        for (var page = 0; page < 100; page++)
        {
            var list = await context.GetAsync($"{Url(context)}?limit=100" + (marker is null ? "" : "&marker=" + marker), cancellationToken);
            var instances = list?["instances"] as JsonArray ?? [];
            if (instances.FirstOrDefault(i => i?["name"]?.ToString() == context.Stamp)?["id"]?.ToString() is { } id)
                return id;
            if (instances.Count < 100)
                return null;
            marker = instances[^1]?["id"]?.ToString();
        }
        return null;
    }
}
