using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Neutron;

/// <summary><c>OS::Neutron::SecurityGroup</c>: the group and its <c>rules</c> (rules replaced wholesale on update).</summary>
internal sealed class SecurityGroupType : NeutronResource
{
    public override string Name => "OS::Neutron::SecurityGroup";
    protected override string Collection => "security-groups";
    protected override string Singular => "security_group";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["name"] = new("string", UpdateAllowed: true, Description: "A string specifying a symbolic name for the security group."),
        ["description"] = new("string", UpdateAllowed: true, Description: "Description of the security group."),
        ["rules"] = new("list", UpdateAllowed: true, Description: "List of security group rules."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>(CommonAttributes);

    protected override Task<JsonObject> BodyAsync(ResourceContext context, JsonObject properties, bool create, CancellationToken cancellationToken)
    {
        var body = new JsonObject();
        Copy(properties, body, "name", "description");
        return Task.FromResult(body);
    }

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var id = await base.CreateAsync(context, properties, cancellationToken);
        await AddRulesAsync(context, id, properties, cancellationToken);
        return id;
    }

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        await base.UpdateAsync(context, physicalId, before, after, changed, cancellationToken);
        if (!changed.Contains("rules"))
            return;
        var live = await context.GetAsync($"{Url}/{physicalId}", cancellationToken);
        foreach (var rule in live?["security_group"]?["security_group_rules"] as JsonArray ?? [])
        {
            // Keep the default egress rules Neutron made; drop the ones the template made.
            if (rule?["direction"]?.ToString() == "ingress")
                await context.DeleteAsync($"network/v2.0/security-group-rules/{rule["id"]}", cancellationToken);
        }
        await AddRulesAsync(context, physicalId, after, cancellationToken);
    }

    private static async Task AddRulesAsync(ResourceContext context, string groupId, JsonObject properties, CancellationToken cancellationToken)
    {
        foreach (var rule in properties["rules"] as JsonArray ?? [])
        {
            if (rule is not JsonObject r)
                throw new ResourceFailure("Each security group rule must be a map.");
            var body = new JsonObject { ["security_group_id"] = groupId, ["direction"] = r["direction"]?.ToString() ?? "ingress", ["ethertype"] = r["ethertype"]?.ToString() ?? "IPv4" };
            foreach (var key in new[] { "protocol", "port_range_min", "port_range_max", "remote_ip_prefix", "remote_group_id" })
            {
                if (r[key] is { } value)
                    body[key] = value.DeepClone();
            }
            if (r["remote_mode"]?.ToString() == "remote_group_id" && body["remote_group_id"] is null)
                body["remote_group_id"] = groupId;
            await context.PostAsync("network/v2.0/security-group-rules", new JsonObject { ["security_group_rule"] = body }, cancellationToken);
        }
    }
}
