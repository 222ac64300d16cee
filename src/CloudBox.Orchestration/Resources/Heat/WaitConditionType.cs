using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary>
/// <c>OS::Heat::WaitCondition</c>: completes when its handle has <c>count</c> SUCCESS signals, fails on a
/// FAILURE signal or after <c>timeout</c> seconds; <c>data</c> is the signals' data by id.
/// </summary>
internal sealed class WaitConditionType : ResourceType
{
    public override string Name => "OS::Heat::WaitCondition";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["handle"] = new("string", Required: true, Description: "A reference to the wait condition handle used to signal this wait condition."),
        ["timeout"] = new("number", Required: true, Description: "The number of seconds to wait for the correct number of signals to arrive."),
        ["count"] = new("integer", UpdateAllowed: true, Description: "The number of success signals that must be received before the stack creation process continues.", Default: 1),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string> { ["data"] = "JSON string containing data associated with wait condition signals sent to the handle." };

    private static async Task<JsonObject> SignalsAsync(ResourceContext context, string handle, CancellationToken cancellationToken) =>
        (await context.GetAsync($"orchestration/v1/{context.ProjectId}/stacks/{context.StackName}/{context.StackId}/resources/{Uri.EscapeDataString(handle)}/metadata", cancellationToken))?["metadata"]?["signals"] as JsonObject ?? [];

    public override Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        context.Data["handle"] = properties["handle"]!.ToString();
        context.Data["count"] = properties["count"]?.GetValue<long>() ?? 1;
        context.Data["deadline"] = DateTimeOffset.UtcNow.AddSeconds(properties["timeout"]!.GetValue<double>()).ToUnixTimeMilliseconds();
        return Task.FromResult(context.Stamp);
    }

    public override async Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        var handle = context.Data["handle"]!.ToString();
        var count = context.Data["count"]!.GetValue<long>();
        var deadline = DateTimeOffset.FromUnixTimeMilliseconds(context.Data["deadline"]!.GetValue<long>());
        while (true)
        {
            var signals = await SignalsAsync(context, handle, cancellationToken);
            var failure = signals.Select(s => s.Value).FirstOrDefault(s => s?["status"]?.ToString() == "FAILURE");
            if (failure is not null)
                throw new ResourceFailure($"WaitConditionFailure: {failure["reason"]}");
            if (signals.Count(s => s.Value?["status"]?.ToString() == "SUCCESS") >= count)
                return;
            if (DateTimeOffset.UtcNow > deadline)
                throw new ResourceFailure($"WaitConditionTimeout: {signals.Count} of {count} received");
            await context.PollDelayAsync(cancellationToken);
        }
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        if (name != "data")
            return null;
        var data = new JsonObject();
        foreach (var (id, signal) in await SignalsAsync(context, context.Data["handle"]!.ToString(), cancellationToken))
            data[id] = signal?["data"]?.DeepClone();
        return data.ToJsonString();
    }
}
