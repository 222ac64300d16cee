using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Local;
using CloudBox.Orchestration.Resources;
using CloudBox.Orchestration.Templates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Orchestration.Api;

/// <summary>Version discovery, <c>validate</c>, <c>template_versions</c>, <c>resource_types</c> (<see cref="ResourceTypeEndpoints"/>) and <c>build_info</c>.</summary>
internal static class InfoEndpoints
{
    public static void MapRoot(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", (HttpContext c) => JsonBody.Node(new JsonObject
        {
            ["versions"] = new JsonArray(new JsonObject
            {
                ["id"] = "v1.0",
                ["status"] = "CURRENT",
                ["links"] = new JsonArray(new JsonObject { ["href"] = $"{c.Request.Scheme}://{c.Request.Host}{c.Request.PathBase}/orchestration/v1/", ["rel"] = "self" }),
            }),
        }, StatusCodes.Status300MultipleChoices));
    }

    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapPost("/validate", ValidateAsync);
        v1.MapGet("/template_versions", (HttpContext c, string projectId) =>
        {
            HeatRequest.Caller(c, projectId);
            return JsonBody.Node(new JsonObject
            {
                ["template_versions"] = new JsonArray(HotVersion.All.Select(v => (JsonNode?)new JsonObject
                {
                    ["version"] = $"heat_template_version.{v.Date}",
                    ["type"] = "hot",
                    ["aliases"] = v.Alias is null ? new JsonArray() : new JsonArray((JsonNode?)$"heat_template_version.{v.Alias}"),
                }).ToArray()),
            });
        });
        v1.MapGet("/template_versions/{version}/functions", (HttpContext c, string projectId, string version) =>
        {
            HeatRequest.Caller(c, projectId);
            var found = HotVersion.Find(version.Replace("heat_template_version.", "", StringComparison.Ordinal))
                ?? throw new HeatFault(404, $"Template with version {version} not found", "NotFound");
            var conditionsOnly = c.Request.QueryBool("with_condition_func") == true;
            var names = conditionsOnly ? found.Functions.Union(found.ConditionFunctions) : found.Functions;
            return JsonBody.Node(new JsonObject
            {
                ["template_functions"] = new JsonArray(names.Order(StringComparer.Ordinal).Select(f => (JsonNode?)new JsonObject { ["functions"] = f, ["description"] = HotVersion.Describe(f) }).ToArray()),
            });
        });
        ResourceTypeEndpoints.Map(v1);
        v1.MapGet("/build_info", (HttpContext c, string projectId) =>
        {
            HeatRequest.Caller(c, projectId);
            var revision = typeof(InfoEndpoints).Assembly.GetName().Version?.ToString() ?? "0";
            return JsonBody.Node(new JsonObject { ["api"] = new JsonObject { ["revision"] = revision }, ["engine"] = new JsonObject { ["revision"] = revision } });
        });
    }

    private static async Task<IResult> ValidateAsync(HttpContext context, string projectId, StackValidator validator, LocalApi api, CancellationToken cancellationToken)
    {
        var caller = HeatRequest.Caller(context, projectId);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        using var client = HeatRequest.CallerClient(api, caller);
        var definition = await validator.ValidateAsync(body, "validate", "None", projectId, caller.HasRole("admin"), client, cancellationToken);
        var parameters = new JsonObject();
        foreach (var parameter in definition.Template.Parameters)
            parameters[parameter.Name] = parameter.Describe(definition.Parameters.GetValueOrDefault(parameter.Name));
        var result = new JsonObject { ["Description"] = definition.Template.Description, ["Parameters"] = parameters, ["Environment"] = definition.Environment.ToJson() };
        if (definition.Template.ParameterGroups.Count > 0)
            result["ParameterGroups"] = definition.Template.ParameterGroups.DeepClone();
        return JsonBody.Node(result);
    }
}
