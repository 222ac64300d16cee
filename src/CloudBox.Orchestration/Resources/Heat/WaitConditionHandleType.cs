using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary>
/// <c>OS::Heat::WaitConditionHandle</c>: collects signals (<c>{"status": "SUCCESS"|"FAILURE", "reason", "data", "id"}</c>)
/// posted to its token-free <c>endpoint</c>; <c>curl_cli</c> is the command a guest appends its JSON to.
/// </summary>
internal sealed class WaitConditionHandleType : ResourceType, ISignalable
{
    public const int MaxSignals = 1000;

    public override string Name => "OS::Heat::WaitConditionHandle";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>();

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["endpoint"] = "Endpoint/url which can be used for signalling handle.",
        ["curl_cli"] = "Convenience attribute, provides curl CLI command prefix to signal the handle.",
        ["token"] = "Token for stack-user which can be used for signalling handle (empty: the URL carries its key).",
        ["signal"] = "JSON serialized map that includes the endpoint and token.",
    };

    public override Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        SignalUrl.For(context);
        context.Data["name"] = context.ResourceName;
        context.Data["signals"] = new JsonObject();
        return Task.FromResult(context.Stamp);
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var url = SignalUrl.For(context);
        return Task.FromResult<JsonNode?>(name switch
        {
            "endpoint" => url,
            "curl_cli" => $"curl -i -X POST -H 'Content-Type: application/json' -H 'Accept: application/json' {url}",
            "token" => "",
            "signal" => new JsonObject { ["url"] = url }.ToJsonString(),
            _ => null,
        });
    }

    public Task<string?> SignalAsync(ResourceContext context, string physicalId, JsonObject details, CancellationToken cancellationToken)
    {
        var signals = context.Data["signals"] as JsonObject ?? [];
        if (signals.Count >= MaxSignals)
            throw new ResourceFailure($"The handle already holds {MaxSignals} signals.");
        var status = details["status"]?.ToString() ?? "SUCCESS";
        if (status is not ("SUCCESS" or "FAILURE"))
            throw new ResourceFailure($"Unknown status {status}: SUCCESS or FAILURE.");
        var id = details["id"]?.ToString() ?? (signals.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        signals[id] = new JsonObject { ["status"] = status, ["reason"] = details["reason"]?.ToString() ?? "Signal " + id + " received", ["data"] = details["data"]?.DeepClone() };
        context.Data["signals"] = signals;
        return Task.FromResult<string?>(null);
    }

    public override string ReferenceId(string physicalId, JsonObject data) => data["name"]?.ToString() ?? physicalId;
}
