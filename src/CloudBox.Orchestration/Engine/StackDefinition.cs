using System.Text.Json.Nodes;
using CloudBox.Orchestration.Templates;

namespace CloudBox.Orchestration.Engine;

/// <summary>
/// A template with its environment, files and the parameters given, validated together: the typed
/// parameter values (defaults, environment, request, pseudo parameters) and the conditions.
/// </summary>
internal sealed class StackDefinition
{
    public required StackTemplate Template { get; init; }
    public required StackEnvironment Environment { get; init; }
    public required JsonObject Files { get; init; }
    public required JsonObject GivenParameters { get; init; }
    public required Dictionary<string, JsonNode?> Parameters { get; init; }

    public static StackDefinition Build(JsonNode? template, JsonNode? environment, JsonObject? files, JsonObject? parameters, string stackName, string stackId, string projectId)
    {
        var document = TemplateDocument.FromRequest(template, "template");
        var parsed = StackTemplate.Parse(document);
        var env = StackEnvironment.Parse(environment);
        var given = new JsonObject();
        foreach (var (k, v) in env.Parameters)
            given[k] = v?.DeepClone();
        foreach (var (k, v) in parameters ?? [])
            given[k] = v?.DeepClone();
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["OS::stack_name"] = stackName,
            ["OS::stack_id"] = stackId,
            ["OS::project_id"] = projectId,
        };
        foreach (var (name, _) in given)
        {
            if (parsed.Parameter(name) is null)
                throw new TemplateException($"The Parameter ({name}) was not defined in template.", "UnknownUserParameter");
        }
        foreach (var definition in parsed.Parameters)
        {
            JsonNode? raw;
            if (given.TryGetPropertyValue(definition.Name, out var value))
                raw = value;
            else if (env.ParameterDefaults.TryGetPropertyValue(definition.Name, out var fallback))
                raw = fallback;
            else if (definition.Default is not null)
                raw = definition.Default;
            else
                throw TemplateException.At($"parameters.{definition.Name}", $"The Parameter ({definition.Name}) was not provided.", document) is var e
                    ? new TemplateException(e.Message, "UserParameterMissing")
                    : null!;
            values[definition.Name] = definition.Convert(raw, document);
        }
        return new StackDefinition
        {
            Template = parsed,
            Environment = env,
            Files = files ?? [],
            GivenParameters = given,
            Parameters = values,
        };
    }

    /// <summary>The resources whose condition holds, each with the type the environment maps it to.</summary>
    public List<(ResourceDefinition Definition, string Type)> EnabledResources(StackScope scope)
    {
        var functions = new TemplateFunctions(Template.Version, scope, Template.Document);
        var enabled = new List<(ResourceDefinition, string)>();
        foreach (var resource in Template.Resources)
        {
            if (resource.Condition is not null && !functions.ResolveCondition(resource.Condition, $"resources.{resource.Name}.condition"))
                continue;
            enabled.Add((resource, Environment.Map(resource.Type, resource.Name)));
        }
        return enabled;
    }
}
