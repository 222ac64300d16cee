using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CloudBox.Core.Api;
using CloudBox.Orchestration.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Orchestration.Api;

/// <summary>
/// <c>resource_types</c>: the list (filters <c>name</c> — a regular expression matched from the start, as
/// Heat's — <c>version</c> and <c>support_status</c>; <c>with_description</c>), a type's schema, and the
/// template that exposes a type's properties as parameters and its attributes as outputs
/// (<c>template_type</c> hot or cfn). Types only admins may use are listed to admins only.
/// </summary>
internal static class ResourceTypeEndpoints
{
    private const string SupportStatus = "SUPPORTED";

    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapGet("/resource_types", (HttpContext c, string projectId, ResourceRegistry registry) =>
        {
            var caller = HeatRequest.Caller(c, projectId);
            var types = Visible(registry, caller.HasRole("admin"));
            if (c.Request.Query("name") is { } name)
            {
                Regex pattern;
                try
                {
                    pattern = new Regex("^(?:" + name + ")", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
                }
                catch (ArgumentException error)
                {
                    throw new HeatFault(400, $"The name filter {name} is not a valid regular expression: {error.Message}", "HTTPBadRequest");
                }
                types = types.Where(t => Matches(pattern, t.Name)).ToList();
            }
            if (c.Request.Query("support_status") is { } status)
            {
                if (status.ToUpperInvariant() is not ("UNKNOWN" or "SUPPORTED" or "DEPRECATED" or "UNSUPPORTED" or "HIDDEN"))
                    throw new HeatFault(400, $"Invalid support_status {status}: one of UNKNOWN, SUPPORTED, DEPRECATED, UNSUPPORTED, HIDDEN.", "HTTPBadRequest");
                types = types.Where(_ => status.Equals(SupportStatus, StringComparison.OrdinalIgnoreCase)).ToList();
            }
            // No type here records the Heat release that introduced it: a version filter matches none.
            if (c.Request.Query("version") is not null)
                types = [];
            if (c.Request.QueryBool("with_description") == true)
                return JsonBody.Node(new JsonObject { ["resource_types"] = new JsonArray(types.Select(t => (JsonNode?)new JsonObject { ["resource_type"] = t.Name, ["description"] = t.Description }).ToArray()) });
            return JsonBody.Node(new JsonObject { ["resource_types"] = new JsonArray(types.Select(t => (JsonNode?)t.Name).ToArray()) });
        });
        v1.MapGet("/resource_types/{type}", (HttpContext c, string projectId, string type, ResourceRegistry registry) =>
        {
            var found = Find(c, projectId, type, registry);
            var properties = new JsonObject();
            foreach (var (name, schema) in found.Properties)
            {
                var property = new JsonObject
                {
                    ["type"] = schema.Type,
                    ["required"] = schema.Required,
                    ["update_allowed"] = schema.UpdateAllowed,
                    ["immutable"] = false,
                    ["description"] = schema.Description,
                };
                if (schema.Default is not null)
                    property["default"] = DefaultNode(schema.Default);
                properties[name] = property;
            }
            var attributes = new JsonObject();
            foreach (var (name, description) in found.Attributes)
                attributes[name] = new JsonObject { ["description"] = description, ["type"] = name == "show" ? "map" : null };
            return JsonBody.Node(new JsonObject
            {
                ["resource_type"] = found.Name,
                ["properties"] = properties,
                ["attributes"] = attributes,
                ["support_status"] = new JsonObject { ["status"] = SupportStatus, ["version"] = null, ["message"] = null, ["previous_status"] = null },
                ["description"] = found.Description,
            });
        });
        v1.MapGet("/resource_types/{type}/template", (HttpContext c, string projectId, string type, ResourceRegistry registry) =>
        {
            var found = Find(c, projectId, type, registry);
            return (c.Request.Query("template_type") ?? "cfn").ToLowerInvariant() switch
            {
                "hot" => JsonBody.Node(Hot(found)),
                "cfn" => JsonBody.Node(Cfn(found)),
                var other => throw new HeatFault(400, $"Template type {other} is not supported: hot or cfn.", "HTTPBadRequest"),
            };
        });
    }

    private static List<ResourceType> Visible(ResourceRegistry registry, bool admin) =>
        registry.All.Where(t => admin || !t.AdminOnly).ToList();

    private static bool Matches(Regex pattern, string name)
    {
        try
        {
            return pattern.IsMatch(name);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static ResourceType Find(HttpContext context, string projectId, string type, ResourceRegistry registry)
    {
        var caller = HeatRequest.Caller(context, projectId);
        var found = registry.Find(type);
        if (found is null || found is Resources.Heat.TemplateResourceType || found.AdminOnly && !caller.HasRole("admin"))
            throw new HeatFault(404, $"The Resource Type ({type}) could not be found.", "EntityNotFound");
        return found;
    }

    private static JsonNode? DefaultNode(object? value) => value switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        _ => JsonValue.Create(value.ToString()),
    };

    /// <summary>A property's type as a template parameter's (Heat's mapping).</summary>
    private static string ParameterType(string propertyType) => propertyType switch
    {
        "integer" or "number" => "number",
        "boolean" => "boolean",
        "map" => "json",
        "list" => "comma_delimited_list",
        _ => "string",
    };

    private static JsonObject Hot(ResourceType type)
    {
        var resource = type.Name.Split("::").Last();
        var parameters = new JsonObject();
        var properties = new JsonObject();
        foreach (var (name, schema) in type.Properties)
        {
            var parameter = new JsonObject { ["type"] = ParameterType(schema.Type), ["description"] = schema.Description };
            if (schema.Default is not null)
                parameter["default"] = DefaultNode(schema.Default);
            parameters[name] = parameter;
            properties[name] = new JsonObject { ["get_param"] = name };
        }
        var outputs = new JsonObject();
        foreach (var (name, description) in type.Attributes)
            outputs[name] = new JsonObject { ["description"] = description, ["value"] = new JsonObject { ["get_attr"] = new JsonArray(resource, name) } };
        return new JsonObject
        {
            ["heat_template_version"] = "2016-10-14",
            ["description"] = $"Initial template of {resource}",
            ["parameters"] = parameters,
            ["resources"] = new JsonObject { [resource] = new JsonObject { ["type"] = type.Name, ["properties"] = properties } },
            ["outputs"] = outputs,
        };
    }

    private static JsonObject Cfn(ResourceType type)
    {
        var resource = type.Name.Split("::").Last();
        var parameters = new JsonObject();
        var properties = new JsonObject();
        foreach (var (name, schema) in type.Properties)
        {
            var parameter = new JsonObject
            {
                ["Type"] = ParameterType(schema.Type) switch { "number" => "Number", "json" => "Json", "comma_delimited_list" => "CommaDelimitedList", "boolean" => "Boolean", _ => "String" },
                ["Description"] = schema.Description,
            };
            if (schema.Default is not null)
                parameter["Default"] = DefaultNode(schema.Default);
            parameters[name] = parameter;
            properties[name] = new JsonObject { ["Ref"] = name };
        }
        var outputs = new JsonObject();
        foreach (var (name, description) in type.Attributes)
            outputs[name] = new JsonObject { ["Description"] = description, ["Value"] = new JsonObject { ["Fn::GetAtt"] = new JsonArray(resource, name) } };
        return new JsonObject
        {
            ["HeatTemplateFormatVersion"] = "2012-12-12",
            ["Description"] = $"Initial template of {resource}",
            ["Parameters"] = parameters,
            ["Resources"] = new JsonObject { [resource] = new JsonObject { ["Type"] = type.Name, ["Properties"] = properties } },
            ["Outputs"] = outputs,
        };
    }
}
