using System.Text.Json.Nodes;
using CloudBox.Orchestration.Engine;
using CloudBox.Orchestration.Resources;
using CloudBox.Orchestration.Templates;

namespace CloudBox.Orchestration.Api;

/// <summary>
/// What is checked before a stack is accepted: the template and parameters (StackDefinition), that
/// every resource's type exists and names only its properties, the dependency graph has no cycle,
/// and the custom constraints of the parameters hold in the cloud (flavors, images, networks…).
/// </summary>
internal sealed class StackValidator(ResourceRegistry registry)
{
    public async Task<StackDefinition> ValidateAsync(JsonObject body, string stackName, string stackId, string projectId, bool isAdmin, HttpClient caller, CancellationToken cancellationToken)
    {
        StackDefinition definition;
        try
        {
            definition = StackDefinition.Build(body["template"] ?? body["template_url"], body["environment"], body["files"] as JsonObject, body["parameters"] as JsonObject, stackName, stackId, projectId);
            var scope = new StackScope(definition);
            var enabled = definition.EnabledResources(scope);
            foreach (var (resource, typeName) in enabled)
            {
                var type = registry.Find(typeName)
                    ?? throw TemplateException.At($"resources.{resource.Name}.type", $"The Resource Type ({typeName}) could not be found.", definition.Template.Document);
                if (type.AdminOnly && !isAdmin)
                    throw TemplateException.At($"resources.{resource.Name}.type", $"{typeName} is limited to administrators.", definition.Template.Document);
                if (type is Resources.Heat.TemplateResourceType)
                {
                    var file = definition.Files[typeName]?.ToString()
                        ?? throw TemplateException.At($"resources.{resource.Name}.type", $"The template {typeName} is not in the files map.", definition.Template.Document);
                    StackTemplate.Parse(TemplateDocument.Parse(file, typeName));
                }
                else if (type is not Resources.Heat.NoneType)
                {
                    foreach (var (name, _) in resource.Properties)
                    {
                        if (!type.Properties.ContainsKey(name))
                            throw TemplateException.At($"resources.{resource.Name}.properties.{name}", $"Unknown Property {name}", definition.Template.Document);
                    }
                    foreach (var (name, schema) in type.Properties)
                    {
                        if (schema.Required && resource.Properties[name] is null)
                            throw TemplateException.At($"resources.{resource.Name}.properties", $"Property {name} not assigned", definition.Template.Document);
                    }
                }
                // Resolving once with placeholders finds bad function calls and parameter references now, not mid-create.
                new TemplateFunctions(definition.Template.Version, scope, definition.Template.Document).Resolve(resource.Properties, $"resources.{resource.Name}.properties");
            }
            var names = enabled.Select(e => e.Definition.Name).ToHashSet(StringComparer.Ordinal);
            StackEngine.CheckAcyclic(enabled.Select(e => (e.Definition.Name, (IEnumerable<string>)e.Definition.Requires().Where(names.Contains))).ToList());
        }
        catch (TemplateException error)
        {
            throw new HeatFault(400, error.Message, error.Type);
        }
        foreach (var parameter in definition.Template.Parameters)
        {
            foreach (var constraint in parameter.CustomConstraints)
                await CheckCustomAsync(parameter.Name, constraint, definition.Parameters[parameter.Name], caller, cancellationToken);
        }
        return definition;
    }

    private static async Task CheckCustomAsync(string parameter, string constraint, JsonNode? value, HttpClient caller, CancellationToken cancellationToken)
    {
        var text = TemplateFunctions.PlainText(value);
        var (byId, byName, key) = constraint switch
        {
            "nova.flavor" => ($"compute/v2.1/flavors/{Uri.EscapeDataString(text)}", "compute/v2.1/flavors/detail", "flavors"),
            "glance.image" => ($"image/v2/images/{Uri.EscapeDataString(text)}", $"image/v2/images?name={Uri.EscapeDataString(text)}", "images"),
            "neutron.network" => ($"network/v2.0/networks/{Uri.EscapeDataString(text)}", $"network/v2.0/networks?name={Uri.EscapeDataString(text)}", "networks"),
            "neutron.subnet" => ($"network/v2.0/subnets/{Uri.EscapeDataString(text)}", $"network/v2.0/subnets?name={Uri.EscapeDataString(text)}", "subnets"),
            "neutron.port" => ($"network/v2.0/ports/{Uri.EscapeDataString(text)}", $"network/v2.0/ports?name={Uri.EscapeDataString(text)}", "ports"),
            "neutron.router" => ($"network/v2.0/routers/{Uri.EscapeDataString(text)}", $"network/v2.0/routers?name={Uri.EscapeDataString(text)}", "routers"),
            "neutron.security_group" => ($"network/v2.0/security-groups/{Uri.EscapeDataString(text)}", $"network/v2.0/security-groups?name={Uri.EscapeDataString(text)}", "security_groups"),
            "nova.keypair" => ($"compute/v2.1/os-keypairs/{Uri.EscapeDataString(text)}", "", ""),
            "nova.server" => ($"compute/v2.1/servers/{Uri.EscapeDataString(text)}", "", ""),
            "cinder.volume" => ($"volume/v3/{ProjectOf(caller)}/volumes/{Uri.EscapeDataString(text)}", "", ""),
            _ => ("", "", ""),
        };
        if (byId.Length == 0)
            return;
        using (var found = await caller.GetAsync(byId, cancellationToken))
        {
            if (found.IsSuccessStatusCode)
                return;
        }
        if (byName.Length > 0)
        {
            var list = JsonNode.Parse(await caller.GetStringAsync(byName, cancellationToken))?[key] as JsonArray ?? [];
            if (list.Any(item => item?["name"]?.ToString() == text))
                return;
        }
        throw new HeatFault(400, $"Parameter '{parameter}' is invalid: Error validating value '{text}': The {constraint.Split('.')[1].Replace('_', ' ')} ({text}) could not be found.", "StackValidationFailed");
    }

    private static string ProjectOf(HttpClient caller) => caller.DefaultRequestHeaders.TryGetValues("X-Project-Id", out var v) ? v.First() : "";
}
