using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Telemetry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Telemetry.Api;

/// <summary><c>/v1/status</c> (the backlog of measures to aggregate) and <c>/v1/capabilities</c>.</summary>
internal static class StatusEndpoints
{
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapGet("/status", StatusAsync);
        v1.MapGet("/capabilities", Capabilities);
    }

    private static async Task<IResult> StatusAsync(HttpContext context, MeasureStore store, MeasureProcessor processor, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:get_status");
        var (metrics, measures) = await store.BacklogAsync(cancellationToken);
        return JsonBody.Node(new JsonObject
        {
            ["storage"] = new JsonObject { ["summary"] = new JsonObject { ["metrics"] = metrics, ["measures"] = measures } },
            ["metricd"] = new JsonObject
            {
                ["processors"] = new JsonArray(Environment.MachineName),
                ["statistics"] = new JsonObject { [Environment.MachineName] = new JsonObject { ["processed measures"] = processor.Processed } },
            },
        });
    }

    private static IResult Capabilities()
    {
        var methods = new JsonArray();
        foreach (var name in AggregationMethod.AllNames())
            methods.Add(name);
        return JsonBody.Node(new JsonObject { ["aggregation_methods"] = methods });
    }
}
