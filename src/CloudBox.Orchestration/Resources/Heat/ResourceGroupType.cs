using System.Globalization;
using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary>
/// <c>OS::Heat::ResourceGroup</c>: <c>count</c> copies of <c>resource_def</c> (with <c>%index%</c>
/// replaced) as a nested stack, built in parallel by the engine; count and definition update in place.
/// Attributes: <c>refs</c>, <c>attributes</c> (an attribute of every member), <c>resource.N</c>.
/// </summary>
internal sealed class ResourceGroupType : ResourceType
{
    public const int MaxCount = 1000;

    public override string Name => "OS::Heat::ResourceGroup";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["count"] = new("integer", UpdateAllowed: true, Description: "The number of resources to create.", Default: 1),
        ["resource_def"] = new("map", Required: true, UpdateAllowed: true, Description: "Resource definition for the resources in the group ({type, properties})."),
        ["index_var"] = new("string", UpdateAllowed: true, Description: "A variable that this resource will use to replace with the current index.", Default: "%index%"),
        ["removal_policies"] = new("list", UpdateAllowed: true, Description: "Policies for removal of resources on update."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["refs"] = "A list of resource IDs for the resources in the group.",
        ["refs_map"] = "A map of resource names to IDs for the resources in the group.",
        ["attributes"] = "A map of resource names to the specified attribute of each individual resource.",
        ["removed_rsrc_list"] = "A list of removed resource names.",
    };

    private static JsonObject Template(JsonObject properties)
    {
        var count = properties["count"]?.GetValue<long>() ?? 1;
        if (count is < 0 or > MaxCount)
            throw new ResourceFailure($"count must be between 0 and {MaxCount}.");
        var index = properties["index_var"]?.ToString() ?? "%index%";
        var definition = properties["resource_def"] as JsonObject ?? throw new ResourceFailure("resource_def must be a map.");
        var resources = new JsonObject();
        var outputs = new JsonObject();
        var refs = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var name = i.ToString(CultureInfo.InvariantCulture);
            resources[name] = Replace(definition, index, name);
            refs.Add(new JsonObject { ["get_resource"] = name });
        }
        outputs["refs"] = new JsonObject { ["value"] = refs };
        return new JsonObject { ["heat_template_version"] = "2015-04-30", ["resources"] = resources, ["outputs"] = outputs };
    }

    private static JsonNode? Replace(JsonNode? node, string key, string value) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Replace(p.Value, key, value)))),
        JsonArray array => new JsonArray(array.Select(i => Replace(i, key, value)).ToArray()),
        JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(s.Replace(key, value, StringComparison.Ordinal)),
        _ => node?.DeepClone(),
    };

    public override Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken) =>
        NestedStack.CreateAsync(context, Template(properties), [], null, cancellationToken);

    public override Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.WaitAsync(context, physicalId, "CREATE", cancellationToken);

    public override Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken) =>
        NestedStack.UpdateAsync(context, physicalId, Template(after), [], null, cancellationToken);

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.DeleteAsync(context, physicalId, cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        if (name == "refs")
            return await NestedStack.OutputAsync(context, physicalId, "refs", cancellationToken);
        if (name == "refs_map")
        {
            var refs = await NestedStack.OutputAsync(context, physicalId, "refs", cancellationToken) as JsonArray ?? [];
            return new JsonObject(refs.Select((r, i) => KeyValuePair.Create(i.ToString(CultureInfo.InvariantCulture), r?.DeepClone())));
        }
        return name == "removed_rsrc_list" ? new JsonArray() : null;
    }

    public override Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken) => NestedStack.FindAsync(context, cancellationToken);

    public override Task SuspendAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.ActionAsync(context, physicalId, "suspend", cancellationToken);

    public override Task ResumeAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.ActionAsync(context, physicalId, "resume", cancellationToken);

    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        await NestedStack.ActionAsync(context, physicalId, "check", cancellationToken);
        return null;
    }

    public override string ReferenceId(string physicalId, JsonObject data) => physicalId.Split('/').Last();
}
