using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using CloudBox.Core.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Telemetry.Alarms;

/// <summary>
/// Aodh's event alarms over the modules' in-process lifecycle events: each event gets
/// Ceilometer's event type (a server created is <c>compute.instance.create.end</c>, deleted
/// <c>compute.instance.delete.end</c>; other kinds <c>kind.change.end</c>) and traits (resource_id,
/// project_id, user_id, instance_id for servers, and the event's attributes); every enabled
/// event alarm of the event's project whose event_type pattern and query match goes to
/// <c>alarm</c> and runs its actions (again for each match with repeat_actions).
/// </summary>
internal sealed partial class EventAlarmEvaluator(ICloudEvents events, AlarmStore store, AlarmService alarms, ILogger<EventAlarmEvaluator> logger) : BackgroundService
{
    private readonly Channel<CloudResourceEvent> _queue = Channel.CreateBounded<CloudResourceEvent>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = events.Subscribe(e => _queue.Writer.TryWrite(e));
        await foreach (var resourceEvent in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await ApplyAsync(resourceEvent, stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogFailed(error, resourceEvent.ResourceType, resourceEvent.Id);
            }
        }
    }

    public static string EventType(CloudResourceEvent resourceEvent)
    {
        var change = resourceEvent.Change switch { ResourceChange.Created => "create", ResourceChange.Deleted => "delete", _ => "update" };
        return resourceEvent.ResourceType switch
        {
            "server" => resourceEvent.Change == ResourceChange.Updated ? "compute.instance.update" : $"compute.instance.{change}.end",
            "image" => $"image.{change}",
            _ => $"{resourceEvent.ResourceType}.{change}.end",
        };
    }

    public static Dictionary<string, string?> Traits(CloudResourceEvent resourceEvent)
    {
        var traits = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in resourceEvent.Attributes)
            traits[name] = value;
        traits["resource_id"] = resourceEvent.Id;
        traits["project_id"] = resourceEvent.ProjectId;
        traits["tenant_id"] = resourceEvent.ProjectId;
        traits["user_id"] = resourceEvent.UserId;
        if (resourceEvent.ResourceType == "server")
            traits["instance_id"] = resourceEvent.Id;
        return traits;
    }

    public async Task ApplyAsync(CloudResourceEvent resourceEvent, CancellationToken cancellationToken)
    {
        var eventType = EventType(resourceEvent);
        var traits = Traits(resourceEvent);
        var messageId = Guid.NewGuid().ToString();
        foreach (var alarm in await store.ListByTypeAsync("event", cancellationToken))
        {
            if (alarm.ProjectId is not null && alarm.ProjectId != resourceEvent.ProjectId)
                continue;
            var definition = JsonNode.Parse(alarm.Definition)!.AsObject();
            if (definition["event_rule"] is not JsonObject rule || !Matches(rule["event_type"]?.ToString() ?? "*", eventType))
                continue;
            var query = rule["query"] as JsonArray ?? [];
            if (!query.All(condition => condition is JsonObject c && Holds(c, traits)))
                continue;
            var reason = $"Event <id={messageId},event_type={eventType}> hits the query <query={query.ToJsonString()}>.";
            var reasonData = new JsonObject
            {
                ["type"] = "event",
                ["event"] = new JsonObject
                {
                    ["message_id"] = messageId,
                    ["event_type"] = eventType,
                    ["generated"] = resourceEvent.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
                    ["traits"] = new JsonArray([.. traits.Where(t => t.Value is not null).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (JsonNode)new JsonArray(t.Key, 1, t.Value))]),
                },
            };
            var repeat = definition["repeat_actions"]?.GetValue<bool>() == true;
            await alarms.TransitionAsync(alarm, "alarm", reason, reasonData, null, notify: true, cancellationToken, repeat);
        }
    }

    /// <summary>An event_type pattern as Aodh matches it: <c>*</c> is any run of characters, the rest literal.</summary>
    public static bool Matches(string pattern, string eventType) =>
        Regex.IsMatch(eventType, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));

    /// <summary>One query condition on the traits (field <c>traits.x</c> or <c>x</c>); numbers compare as numbers, the rest as strings.</summary>
    private static bool Holds(JsonObject condition, Dictionary<string, string?> traits)
    {
        var field = condition["field"]?.ToString() ?? "";
        if (field.StartsWith("traits.", StringComparison.Ordinal))
            field = field[7..];
        var expected = condition["value"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : condition["value"]?.ToJsonString() ?? "";
        if (!traits.TryGetValue(field, out var actual) || actual is null)
            return false;
        var comparison = double.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out var a) && double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var e)
            ? a.CompareTo(e)
            : string.CompareOrdinal(actual, expected);
        return (condition["op"]?.ToString() ?? "eq") switch
        {
            "lt" => comparison < 0,
            "le" => comparison <= 0,
            "gt" => comparison > 0,
            "ge" => comparison >= 0,
            "ne" => comparison != 0,
            _ => comparison == 0,
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evaluating event alarms for the {Type} {Id} failed")]
    private partial void LogFailed(Exception error, string type, string id);
}
