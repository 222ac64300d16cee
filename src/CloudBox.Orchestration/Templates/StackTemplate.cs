using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Templates;

/// <summary>
/// A HOT template checked for shape: its version, parameters, parameter groups, conditions,
/// resources and outputs, every error naming the path (and line) at fault.
/// </summary>
internal sealed class StackTemplate
{
    public const int MaxResources = 1000;

    private static readonly string[] Sections = ["heat_template_version", "description", "parameter_groups", "parameters", "resources", "outputs", "conditions"];
    private static readonly string[] ResourceKeys = ["type", "properties", "metadata", "depends_on", "deletion_policy", "update_policy", "condition", "external_id"];

    private StackTemplate(TemplateDocument document, HotVersion version)
    {
        Document = document;
        Version = version;
    }

    public TemplateDocument Document { get; }
    public HotVersion Version { get; }
    public string Description { get; private set; } = "";
    public List<ParameterDefinition> Parameters { get; } = [];
    public JsonArray ParameterGroups { get; private set; } = [];
    public JsonObject Conditions { get; private set; } = [];
    public List<ResourceDefinition> Resources { get; } = [];
    public JsonObject Outputs { get; private set; } = [];

    public static StackTemplate Parse(TemplateDocument document)
    {
        var root = document.Root;
        var versionNode = root["heat_template_version"];
        if (versionNode is null)
        {
            if (root.ContainsKey("AWSTemplateFormatVersion") || root.ContainsKey("HeatTemplateFormatVersion"))
                throw new TemplateException("The template version is invalid: CFN templates are not supported here; use HOT (heat_template_version).", "InvalidTemplateVersion");
            throw new TemplateException("Template format version not found.", "InvalidTemplateVersion");
        }
        var versionText = versionNode is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : versionNode.ToJsonString();
        var version = HotVersion.Find(versionText)
            ?? throw new TemplateException(
                $"The template version is invalid: \"heat_template_version: {versionText}\". \"heat_template_version\" should be one of: {string.Join(", ", HotVersion.All.Select(x => x.Date))}",
                "InvalidTemplateVersion");
        var template = new StackTemplate(document, version);
        foreach (var (key, _) in root)
        {
            if (!Sections.Contains(key) || key == "conditions" && !version.HasConditions)
                throw TemplateException.At(key, $"The template section is invalid: {key}", document);
        }
        template.Description = root["description"]?.ToString() ?? "";

        if (root["parameters"] is { } parameters)
        {
            if (parameters is not JsonObject map)
                throw TemplateException.At("parameters", "The \"parameters\" section must be a map.", document);
            foreach (var (name, definition) in map)
                template.Parameters.Add(ParameterDefinition.Parse(name, definition, document));
        }
        if (root["parameter_groups"] is { } groups)
        {
            template.ParameterGroups = groups as JsonArray ?? throw TemplateException.At("parameter_groups", "The \"parameter_groups\" section must be a list.", document);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < template.ParameterGroups.Count; i++)
            {
                if (template.ParameterGroups[i] is not JsonObject group || group["parameters"] is not JsonArray names)
                    throw TemplateException.At($"parameter_groups.{i}", "Parameters must be provided for each Parameter Group.", document);
                foreach (var name in names.Select(n => n?.ToString() ?? ""))
                {
                    if (!seen.Add(name))
                        throw TemplateException.At($"parameter_groups.{i}.parameters", $"The {name} parameter must be assigned to one parameter group only.", document);
                    if (template.Parameters.All(p => p.Name != name))
                        throw TemplateException.At($"parameter_groups.{i}.parameters", $"The grouped parameter {name} does not reference a valid parameter.", document);
                }
            }
        }
        if (root["conditions"] is { } conditions)
            template.Conditions = conditions as JsonObject ?? throw TemplateException.At("conditions", "The \"conditions\" section must be a map.", document);

        if (root["resources"] is { } resources)
        {
            if (resources is not JsonObject map)
                throw TemplateException.At("resources", "The \"resources\" section must be a map.", document);
            if (map.Count > MaxResources)
                throw new TemplateException($"The template has {map.Count} resources; at most {MaxResources} are allowed.", "RequestLimitExceeded");
            foreach (var (name, node) in map)
                template.Resources.Add(ParseResource(name, node, document));
            var names = template.Resources.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var resource in template.Resources)
            {
                foreach (var required in resource.Requires())
                {
                    if (!names.Contains(required))
                    {
                        var inDepends = resource.DependsOn.Contains(required);
                        throw TemplateException.At($"resources.{resource.Name}{(inDepends ? ".depends_on" : "")}",
                            inDepends ? $"Invalid dependency: resource {required} not found." : $"The specified reference \"{required}\" (in {resource.Name}) is incorrect.", document);
                    }
                }
            }
        }
        if (root["outputs"] is { } outputs)
        {
            template.Outputs = outputs as JsonObject ?? throw TemplateException.At("outputs", "The \"outputs\" section must be a map.", document);
            foreach (var (name, output) in template.Outputs)
            {
                if (output is not JsonObject o || !o.ContainsKey("value"))
                    throw TemplateException.At($"outputs.{name}", "Each output definition must contain a value key.", document);
            }
        }
        return template;
    }

    private static ResourceDefinition ParseResource(string name, JsonNode? node, TemplateDocument document)
    {
        var path = $"resources.{name}";
        if (node is not JsonObject obj)
            throw TemplateException.At(path, $"Resource {name} is not a map.", document);
        foreach (var (key, _) in obj)
        {
            if (!ResourceKeys.Contains(key))
                throw TemplateException.At($"{path}.{key}", $"\"{key}\" is not a valid keyword inside a resource definition", document);
        }
        var type = obj["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
        if (string.IsNullOrEmpty(type))
            throw TemplateException.At(path, $"Resource {name} has no type (a \"type\" key is required).", document);
        var depends = obj["depends_on"] switch
        {
            null => [],
            JsonValue s when s.GetValueKind() == JsonValueKind.String => [s.GetValue<string>()],
            JsonArray list => list.Select(i => i?.ToString() ?? "").ToList(),
            _ => throw TemplateException.At($"{path}.depends_on", "depends_on must be a resource name or a list of them.", document),
        };
        var properties = obj["properties"] switch
        {
            null => new JsonObject(),
            JsonObject p => p,
            _ => throw TemplateException.At($"{path}.properties", "properties must be a map.", document),
        };
        var policy = obj["deletion_policy"]?.ToString();
        if (policy is not (null or "Delete" or "Retain" or "Snapshot"))
            throw TemplateException.At($"{path}.deletion_policy", $"Invalid deletion policy \"{policy}\"", document);
        return new ResourceDefinition(
            name, type, properties, obj["metadata"] as JsonObject ?? [], depends, obj["condition"], policy,
            obj["update_policy"] as JsonObject ?? [], obj);
    }

    public ParameterDefinition? Parameter(string name) => Parameters.FirstOrDefault(p => p.Name == name);
}
