using System.Text.Json.Nodes;
using CloudBox.Orchestration.Api;
using CloudBox.Orchestration.Data;
using CloudBox.Orchestration.Resources;
using CloudBox.Orchestration.Templates;

namespace CloudBox.Orchestration.Engine;

/// <summary>
/// The plan of an update without acting: per resource added, deleted, replaced, updated (in place)
/// or unchanged, by the rules the engine applies. Properties that read attributes (get_attr) are
/// compared as unchanged, since their values are only known while the update runs.
/// </summary>
internal static class UpdatePlanner
{
    public static Task<List<(string Kind, List<(string Name, string Type)> Items)>> PlanAsync(StackRecord stack, JsonObject merged, ResourceRegistry registry, IReadOnlyList<ResourceRecord> rows)
    {
        StackDefinition definition;
        try
        {
            definition = StackDefinition.Build(merged["template"], merged["environment"], merged["files"] as JsonObject, merged["parameters"] as JsonObject, stack.Name, stack.Id, stack.ProjectId);
        }
        catch (TemplateException error)
        {
            throw new HeatFault(400, error.Message, error.Type);
        }
        var added = new List<(string, string)>();
        var deleted = new List<(string, string)>();
        var replaced = new List<(string, string)>();
        var updated = new List<(string, string)>();
        var unchanged = new List<(string, string)>();
        var live = rows.Where(r => !r.Replaced).GroupBy(r => r.Name).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var scope = new StackScope(definition);
        foreach (var row in live.Values.Where(r => r.PhysicalId is not null))
            scope.ReferenceIds[row.Name] = row.PhysicalId!;
        var functions = new TemplateFunctions(definition.Template.Version, scope, definition.Template.Document);
        var enabled = definition.EnabledResources(scope);
        foreach (var (resource, typeName) in enabled)
        {
            if (!live.TryGetValue(resource.Name, out var row))
            {
                added.Add((resource.Name, typeName));
                continue;
            }
            var type = registry.Find(typeName);
            if (type is null || row.Type != typeName || row.Status != "COMPLETE")
            {
                replaced.Add((resource.Name, typeName));
                continue;
            }
            JsonObject after;
            try
            {
                after = PropertyValidation.Validate(type, functions.Resolve(resource.Properties, $"resources.{resource.Name}.properties") as JsonObject ?? [], $"resources.{resource.Name}.properties", definition.Template.Document);
            }
            catch (TemplateException error)
            {
                throw new HeatFault(400, error.Message, error.Type);
            }
            var before = JsonNode.Parse(row.Properties) as JsonObject ?? [];
            var changed = StackEngine.Changed(before, after);
            changed.RemoveWhere(name =>
            {
                var found = new HashSet<(string, string?)>();
                ResourceDefinition.Attributes(resource.Properties[name], found);
                return found.Count > 0;
            });
            if (changed.Count == 0)
                unchanged.Add((resource.Name, typeName));
            else if (type.CanUpdate(changed) && !(type is Resources.Heat.TestResourceType && Resources.Heat.TestResourceType.WantsReplace(after)))
                updated.Add((resource.Name, typeName));
            else
                replaced.Add((resource.Name, typeName));
        }
        var names = enabled.Select(e => e.Definition.Name).ToHashSet(StringComparer.Ordinal);
        deleted.AddRange(live.Values.Where(r => !names.Contains(r.Name)).Select(r => (r.Name, r.Type)));
        return Task.FromResult(new List<(string, List<(string, string)>)>
        {
            ("added", added), ("deleted", deleted), ("replaced", replaced), ("updated", updated), ("unchanged", unchanged),
        });
    }
}
