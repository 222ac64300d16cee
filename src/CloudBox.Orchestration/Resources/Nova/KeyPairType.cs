using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Nova;

/// <summary><c>OS::Nova::KeyPair</c>: imported (public_key) or generated; the private key is kept as an attribute.</summary>
internal sealed class KeyPairType : ResourceType
{
    public override string Name => "OS::Nova::KeyPair";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["name"] = new("string", Required: true, Description: "The name of the key pair."),
        ["public_key"] = new("string", Description: "The optional public key; a key pair is generated when absent."),
        ["save_private_key"] = new("boolean", Description: "True if the system should remember a generated private key.", Default: false),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["public_key"] = "The public key.",
        ["private_key"] = "The private key if it has been saved.",
        ["show"] = "Detailed information about the resource.",
    };

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["name"] = properties["name"]!.ToString() };
        if (properties["public_key"] is { } key)
            body["public_key"] = key.DeepClone();
        var created = await context.PostAsync("compute/v2.1/os-keypairs", new JsonObject { ["keypair"] = body }, cancellationToken);
        if (properties["save_private_key"]?.GetValue<bool>() == true && created?["keypair"]?["private_key"] is { } secret)
            context.Data["private_key"] = secret.DeepClone();
        return properties["name"]!.ToString();
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        context.DeleteAsync($"compute/v2.1/os-keypairs/{Uri.EscapeDataString(physicalId)}", cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken) => name switch
    {
        "private_key" => context.Data["private_key"]?.DeepClone() ?? "",
        _ => Shown((await context.GetAsync($"compute/v2.1/os-keypairs/{Uri.EscapeDataString(physicalId)}", cancellationToken))?["keypair"], name),
    };
}
