using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Networking.Api;

/// <summary>Neutron's response envelopes: <c>{"network": {…}}</c> and <c>{"networks": […], "networks_links": […]}</c>.</summary>
public static class NeutronResponses
{
    private static readonly JsonSerializerOptions WireOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IResult Json(JsonNode body, int statusCode = StatusCodes.Status200OK) =>
        Results.Text(body.ToJsonString(WireOptions), "application/json", System.Text.Encoding.UTF8, statusCode);

    /// <summary>One resource, reduced to the <c>fields</c> the client asked for.</summary>
    public static IResult Single(HttpRequest request, string member, JsonObject resource, int statusCode = StatusCodes.Status200OK) =>
        Json(new JsonObject { [member] = ResourceListing.SelectFields(request, resource) }, statusCode);

    public static IResult Created(HttpRequest request, string member, JsonObject resource) =>
        Single(request, member, resource, StatusCodes.Status201Created);
}
