using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CloudBox.Orchestration.Templates;

namespace CloudBox.Orchestration.Engine;

/// <summary>
/// What functions read while a stack's resources and outputs are resolved: its parameters, the
/// physical ids of its resources, the attributes fetched for this resolution, its files and its
/// conditions (each evaluated once).
/// </summary>
internal sealed class StackScope(StackDefinition definition) : IResolveScope
{
    private readonly Dictionary<string, bool> _conditions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _evaluating = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, string> ReferenceIds { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<(string, string?), JsonNode?> Attributes { get; } = new();
    public JsonObject? Facade { get; init; }

    public JsonNode? GetParam(string name, string path) =>
        definition.Parameters.TryGetValue(name, out var value) ? value : throw TemplateException.At(path, $"The Parameter ({name}) was not provided.", definition.Template.Document);

    public JsonNode? GetResource(string name, string path)
    {
        if (definition.Template.Resources.All(r => r.Name != name))
            throw TemplateException.At(path, $"The specified reference \"{name}\" is incorrect.", definition.Template.Document);
        return ReferenceIds.TryGetValue(name, out var id) ? id : name;
    }

    public JsonNode? GetAttr(string resource, string? attribute, string path)
    {
        if (definition.Template.Resources.All(r => r.Name != resource))
            throw TemplateException.At(path, $"The specified reference \"{resource}\" is incorrect.", definition.Template.Document);
        return Attributes.TryGetValue((resource, attribute), out var value) ? value : null;
    }

    public string GetFile(string key, string path) =>
        definition.Files[key]?.ToString() ?? throw TemplateException.At(path, $"No content found in the \"files\" section for get_file path: {key}", definition.Template.Document);

    public JsonNode? ResourceFacade(string kind, string path)
    {
        if (kind is not ("metadata" or "deletion_policy" or "update_policy"))
            throw TemplateException.At(path, $"Invalid resource_facade type {kind}", definition.Template.Document);
        return Facade?[kind]?.DeepClone() ?? (kind == "deletion_policy" ? "Delete" : new JsonObject());
    }

    public bool Condition(string name, string path)
    {
        lock (_conditions)
        {
            if (_conditions.TryGetValue(name, out var known))
                return known;
            if (!definition.Template.Conditions.TryGetPropertyValue(name, out var expression))
                throw TemplateException.At(path, $"Invalid condition \"{name}\"", definition.Template.Document);
            if (!_evaluating.Add(name))
                throw TemplateException.At(path, $"The condition \"{name}\" refers to itself.", definition.Template.Document);
            var functions = new TemplateFunctions(definition.Template.Version, this, definition.Template.Document);
            var value = functions.ResolveCondition(expression, $"conditions.{name}");
            _evaluating.Remove(name);
            _conditions[name] = value;
            return value;
        }
    }
}
