using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Search;

namespace CloudBox.Telemetry.Indexer;

/// <summary>
/// Resources and their metrics: creation with typed attributes and named metrics, updates
/// (a new revision_start), ending and deletion, and search with Gnocchi's filters.
/// </summary>
internal sealed class ResourceService(
    ResourceStore resources,
    ResourceTypeStore types,
    MetricStore metrics,
    ArchivePolicyStore policies,
    ArchivePolicyRuleStore rules,
    TimeProvider clock)
{
    private static readonly HashSet<string> CommonFields =
        ["id", "user_id", "project_id", "started_at", "ended_at", "metrics", "type", "original_resource_id", "revision_start", "revision_end", "creator", "created_by_user_id", "created_by_project_id"];

    public static ApiFault NotFound(string id) => ApiFault.NotFound($"Resource {id} does not exist");

    private string Now() => GnocchiTime.FormatInstant(clock.GetUtcNow());

    /// <summary>The archive policy for a new metric: the one named, else the longest matching rule's.</summary>
    public async Task<string> PolicyForAsync(string? requested, string? metricName, CancellationToken cancellationToken)
    {
        if (requested is not null)
        {
            if (await policies.FindAsync(requested, cancellationToken) is null)
                throw ApiFault.BadRequest($"Archive policy {requested} does not exist");
            return requested;
        }
        return await rules.PolicyForMetricAsync(metricName, cancellationToken)
            ?? throw ApiFault.BadRequest($"No archive policy name specified and no archive policy rule found matching the metric name {metricName}");
    }

    /// <summary>New metric rows for a resource from Gnocchi's <c>{"name": {"archive_policy_name": …, "unit": …}}</c>.</summary>
    public async Task<List<MetricRecord>> MetricsFromAsync(JsonNode? node, string resourceId, string creator, string? creatorProject, CancellationToken cancellationToken)
    {
        var result = new List<MetricRecord>();
        if (node is null)
            return result;
        if (node is not JsonObject map)
            throw ApiFault.BadRequest("Invalid input: metrics must be a dictionary");
        foreach (var (name, definition) in map)
        {
            if (name.Contains('/'))
                throw ApiFault.BadRequest("'/' is not supported in metric name");
            if (definition is JsonValue)
                throw ApiFault.BadRequest("Invalid input: attaching an existing metric by id is not supported; give a definition");
            var spec = definition as JsonObject ?? [];
            var unit = spec["unit"]?.GetValue<string>();
            if (unit is { Length: > 31 })
                throw ApiFault.BadRequest("Invalid input: unit longer than 31 characters");
            result.Add(new MetricRecord
            {
                Id = Guid.NewGuid().ToString(),
                Name = name,
                Unit = unit,
                ArchivePolicyName = await PolicyForAsync(spec["archive_policy_name"]?.GetValue<string>(), name, cancellationToken),
                ResourceId = resourceId,
                Creator = creator,
                CreatorProjectId = creatorProject,
            });
        }
        return result;
    }

    /// <summary>Checks the type's attributes in <paramref name="body"/> and merges them into <paramref name="attributes"/>.</summary>
    public static void ApplyAttributes(ResourceType type, JsonObject body, JsonObject attributes, bool patch)
    {
        foreach (var (name, value) in body)
        {
            if (CommonFields.Contains(name))
                continue;
            if (type.Attributes[name] is not JsonObject definition)
                throw ApiFault.BadRequest($"Invalid input: extra keys not allowed @ data['{name}']");
            attributes[name] = CheckValue(name, definition, value);
        }
        if (patch)
            return;
        foreach (var (name, definition) in type.Attributes)
        {
            if (!attributes.ContainsKey(name))
            {
                if (definition?["required"]?.GetValue<bool>() == true)
                    throw ApiFault.BadRequest($"Invalid input: required key not provided @ data['{name}']");
                attributes[name] = null;
            }
        }
    }

    private static JsonNode? CheckValue(string name, JsonObject definition, JsonNode? value)
    {
        if (value is null)
        {
            if (definition["required"]?.GetValue<bool>() == true)
                throw ApiFault.BadRequest($"Invalid input: None is not allowed for required attribute @ data['{name}']");
            return null;
        }
        var kind = value.GetValueKind();
        switch (definition["type"]?.GetValue<string>())
        {
            case "string":
            {
                if (kind != JsonValueKind.String)
                    throw ApiFault.BadRequest($"Invalid input: expected str for dictionary value @ data['{name}']");
                var text = value.GetValue<string>();
                var min = definition["min_length"]?.GetValue<int>() ?? 0;
                var max = definition["max_length"]?.GetValue<int>() ?? 255;
                if (text.Length < min || text.Length > max)
                    throw ApiFault.BadRequest($"Invalid input: length of value must be between {min} and {max} @ data['{name}']");
                return text;
            }
            case "uuid":
                if (kind != JsonValueKind.String || !Guid.TryParse(value.GetValue<string>(), out var id))
                    throw ApiFault.BadRequest($"Invalid input: not a valid value for dictionary value @ data['{name}']");
                return id.ToString();
            case "number":
            {
                double number;
                if (kind == JsonValueKind.Number)
                    number = value.GetValue<double>();
                else if (kind != JsonValueKind.String || !double.TryParse(value.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out number))
                    throw ApiFault.BadRequest($"Invalid input: expected a number @ data['{name}']");
                if ((definition["min"] is { } min && number < min.GetValue<double>()) || (definition["max"] is { } max && number > max.GetValue<double>()))
                    throw ApiFault.BadRequest($"Invalid input: value out of range @ data['{name}']");
                return number;
            }
            case "bool":
                if (kind is not (JsonValueKind.True or JsonValueKind.False))
                    throw ApiFault.BadRequest($"Invalid input: expected bool @ data['{name}']");
                return value.GetValue<bool>();
            case "datetime":
                if (kind != JsonValueKind.String || !GnocchiTime.TryParseInstant(value.GetValue<string>(), DateTimeOffset.UtcNow, out var nanos))
                    throw ApiFault.BadRequest($"Invalid input: expected a timestamp @ data['{name}']");
                return GnocchiTime.FormatInstant(GnocchiTime.FromNanos(nanos));
            default:
                return value.DeepClone();
        }
    }

    private string? Instant(JsonNode? node, string field)
    {
        if (node is null)
            return null;
        var text = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        return GnocchiTime.TryParseInstant(text, clock.GetUtcNow(), out var nanos)
            ? GnocchiTime.FormatInstant(GnocchiTime.FromNanos(nanos))
            : throw ApiFault.BadRequest($"Invalid input: invalid timestamp for dictionary value @ data['{field}']");
    }

    public async Task<JsonObject> CreateAsync(string typeName, JsonObject body, string creator, string? creatorProject, CancellationToken cancellationToken)
    {
        var type = await types.FindAsync(typeName, cancellationToken) ?? throw ResourceTypeEndpoints.NotFound(typeName);
        var originalId = body["id"]?.GetValueKind() == JsonValueKind.String ? body["id"]!.GetValue<string>() : null;
        if (string.IsNullOrEmpty(originalId))
            throw ApiFault.BadRequest("Invalid input: required key not provided @ data['id']");
        if (originalId.Contains('/'))
            throw ApiFault.BadRequest("Invalid input: '/' is not supported in resource id");
        var id = TelemetryCaller.ResourceUuid(originalId, creator);
        var attributes = new JsonObject();
        ApplyAttributes(type, body, attributes, patch: false);
        var now = Now();
        var record = new ResourceRecord
        {
            Id = id,
            Type = typeName,
            OriginalResourceId = originalId,
            ProjectId = body["project_id"]?.GetValue<string>(),
            UserId = body["user_id"]?.GetValue<string>(),
            Creator = creator,
            CreatorProjectId = creatorProject,
            StartedAt = Instant(body["started_at"], "started_at") ?? now,
            EndedAt = Instant(body["ended_at"], "ended_at"),
            RevisionStart = now,
            Attributes = attributes.ToJsonString(),
        };
        if (record.EndedAt is not null && string.CompareOrdinal(record.EndedAt, record.StartedAt) < 0)
            throw ApiFault.BadRequest("Start timestamp cannot be after end timestamp");
        var newMetrics = await MetricsFromAsync(body["metrics"], id, creator, creatorProject, cancellationToken);
        if (!await resources.InsertAsync(record, newMetrics, cancellationToken))
            throw ApiFault.Conflict($"Resource {id} already exists");
        return GnocchiJson.Resource(record, newMetrics);
    }

    /// <summary>The resource (of <paramref name="typeName"/>, or any for generic) by id or original id.</summary>
    public async Task<ResourceRecord?> FindAsync(string typeName, string id, string creator, CancellationToken cancellationToken)
    {
        var resource = await resources.FindAsync(TelemetryCaller.ResourceUuid(id, creator), cancellationToken);
        if (resource is null && !Guid.TryParse(id, out _))
            return null;
        return resource is not null && (typeName == "generic" || resource.Type == typeName) ? resource : null;
    }

    public async Task<JsonObject> ToJsonAsync(ResourceRecord resource, CancellationToken cancellationToken) =>
        GnocchiJson.Resource(resource, await metrics.ListForResourcesAsync([resource.Id], cancellationToken));

    public async Task<JsonObject> UpdateAsync(ResourceRecord resource, JsonObject body, string creator, string? creatorProject, CancellationToken cancellationToken)
    {
        var type = await types.FindAsync(resource.Type, cancellationToken) ?? throw ResourceTypeEndpoints.NotFound(resource.Type);
        foreach (var forbidden in new[] { "id", "type", "original_resource_id", "revision_start", "revision_end", "creator" })
        {
            if (body.ContainsKey(forbidden))
                throw ApiFault.BadRequest($"Invalid input: extra keys not allowed @ data['{forbidden}']");
        }
        var attributes = JsonNode.Parse(resource.Attributes)!.AsObject();
        ApplyAttributes(type, body, attributes, patch: true);
        resource.Attributes = attributes.ToJsonString();
        if (body.ContainsKey("user_id"))
            resource.UserId = body["user_id"]?.GetValue<string>();
        if (body.ContainsKey("project_id"))
            resource.ProjectId = body["project_id"]?.GetValue<string>();
        if (body.ContainsKey("started_at"))
            resource.StartedAt = Instant(body["started_at"], "started_at") ?? resource.StartedAt;
        if (body.ContainsKey("ended_at"))
            resource.EndedAt = Instant(body["ended_at"], "ended_at");
        if (resource.EndedAt is not null && string.CompareOrdinal(resource.EndedAt, resource.StartedAt) < 0)
            throw ApiFault.BadRequest("Start timestamp cannot be after end timestamp");
        resource.RevisionStart = Now();
        var existing = await metrics.ListForResourcesAsync([resource.Id], cancellationToken);
        var added = await MetricsFromAsync(body["metrics"], resource.Id, creator, creatorProject, cancellationToken);
        added.RemoveAll(m => existing.Any(e => e.Name == m.Name));
        await resources.UpdateAsync(resource, added, cancellationToken);
        return GnocchiJson.Resource(resource, [.. existing, .. added]);
    }

    /// <summary>
    /// Resources of a type the caller may see that match <paramref name="filter"/>, sorted by
    /// <paramref name="sorts"/> (<c>attr[:asc|:desc]</c>), after <paramref name="marker"/>, at most <paramref name="limit"/>.
    /// </summary>
    public async Task<List<JsonObject>> SearchAsync(string typeName, JsonNode? filter, string? project, IReadOnlyList<string> sorts, string? marker, int limit, CancellationToken cancellationToken)
    {
        var (matched, _) = await SearchWithMetricsAsync(typeName, filter, project, cancellationToken);
        if (sorts.Count > 0)
            matched.Sort((a, b) => CompareBy(a, b, sorts));
        var start = 0;
        if (marker is not null)
        {
            var index = matched.FindIndex(r => r["id"]?.GetValue<string>() == marker);
            if (index < 0)
                throw ApiFault.BadRequest($"Invalid marker: `{marker}'");
            start = index + 1;
        }
        return matched.Skip(start).Take(limit).ToList();
    }

    /// <summary>
    /// Every resource of a type the caller may see that matches <paramref name="filter"/> (oldest
    /// revision first, at most <see cref="ResourceStore.MaxCandidates"/>), with the metrics of the
    /// resources considered, read with them (for the aggregates API, which needs both).
    /// </summary>
    public async Task<(List<JsonObject> Resources, ILookup<string?, MetricRecord> Metrics)> SearchWithMetricsAsync(string typeName, JsonNode? filter, string? project, CancellationToken cancellationToken)
    {
        if (typeName != "generic" && await types.FindAsync(typeName, cancellationToken) is null)
            throw ResourceTypeEndpoints.NotFound(typeName);
        var candidates = await resources.ListAsync(typeName, project, cancellationToken);
        var metricRows = await metrics.ListForResourcesAsync([.. candidates.Select(r => r.Id)], cancellationToken);
        var byResource = metricRows.ToLookup(m => m.ResourceId);
        var matched = new List<JsonObject>();
        foreach (var candidate in candidates)
        {
            var json = GnocchiJson.Resource(candidate, byResource[candidate.Id]);
            if (typeName == "generic")
            {
                // Generic listings show only the common attributes.
                foreach (var key in json.Select(p => p.Key).ToList())
                {
                    if (!CommonFields.Contains(key))
                        json.Remove(key);
                }
            }
            if (ResourceFilter.Matches(filter, json))
                matched.Add(json);
        }
        return (matched, byResource);
    }

    private static int CompareBy(JsonObject a, JsonObject b, IReadOnlyList<string> sorts)
    {
        foreach (var sort in sorts)
        {
            var parts = sort.Split(':');
            var key = parts[0];
            var descending = parts.Length > 1 && parts[1].StartsWith("desc", StringComparison.Ordinal);
            var left = a[key]?.ToJsonString() ?? "";
            var right = b[key]?.ToJsonString() ?? "";
            var order = string.CompareOrdinal(left, right);
            if (order != 0)
                return descending ? -order : order;
        }
        return 0;
    }
}
