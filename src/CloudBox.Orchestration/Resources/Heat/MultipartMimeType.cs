using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary>
/// <c>OS::Heat::MultipartMime</c>: a <c>multipart/mixed</c> message of parts, each a software config (by id)
/// or literal text; a text part's subtype is given, or <c>cloud-config</c> for <c>#cloud-config</c>,
/// <c>x-shellscript</c> for <c>#!</c> and <c>plain</c> otherwise (as cloud-init tells them apart); a
/// <c>multipart</c> part's own parts are included in place.
/// </summary>
internal sealed class MultipartMimeType : SoftwareConfigBase
{
    private const int MaxParts = 100;

    public override string Name => "OS::Heat::MultipartMime";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["parts"] = new("list", Description: "Parts belonging to this message: {config, filename, type (text or multipart), subtype}."),
        ["group"] = new("string", Description: "Namespace to group this software config by when delivered to a server.", Default: "Heat::Ungrouped"),
    };

    protected override async Task<JsonObject> ConfigAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var parts = properties["parts"] as JsonArray ?? [];
        if (parts.Count > MaxParts)
            throw new ResourceFailure($"A MultipartMime holds at most {MaxParts} parts.");
        var boundary = "===============" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) + "==";
        var message = new System.Text.StringBuilder();
        message.Append("Content-Type: multipart/mixed; boundary=\"").Append(boundary).Append("\"\nMIME-Version: 1.0\n\n");
        var index = 0;
        foreach (var node in parts)
        {
            if (node is not JsonObject part || part["config"] is not JsonValue configValue)
                throw new ResourceFailure("Each part of a MultipartMime is a map with a config.");
            var config = configValue.ToString();
            if (Guid.TryParse(config, out _) && (await context.GetAsync($"{Url(context)}/{config}", cancellationToken))?["software_config"]?["config"]?.ToString() is { } stored)
                config = stored;
            var type = part["type"]?.ToString() ?? "text";
            if (type == "multipart")
            {
                // The inner message's parts, without its own headers and closing boundary.
                message.Append(InnerParts(config, boundary));
                continue;
            }
            if (type != "text")
                throw new ResourceFailure($"A part's type is text or multipart, not {type}.");
            var subtype = part["subtype"]?.ToString() ?? (config.StartsWith("#cloud-config", StringComparison.Ordinal) ? "cloud-config" : config.StartsWith("#!", StringComparison.Ordinal) ? "x-shellscript" : "plain");
            var filename = part["filename"]?.ToString() ?? $"part{++index}";
            message.Append("--").Append(boundary).Append('\n')
                .Append("Content-Type: text/").Append(subtype).Append("; charset=\"utf-8\"\nMIME-Version: 1.0\nContent-Transfer-Encoding: 8bit\n")
                .Append("Content-Disposition: attachment; filename=\"").Append(filename.Replace("\"", "", StringComparison.Ordinal)).Append("\"\n\n")
                .Append(config).Append('\n');
        }
        message.Append("--").Append(boundary).Append("--\n");
        if (message.Length > Api.SoftwareConfigEndpoints.MaxConfigLength)
            throw new ResourceFailure($"The message is larger than {Api.SoftwareConfigEndpoints.MaxConfigLength} bytes.");
        return new JsonObject { ["group"] = properties["group"]?.ToString() ?? "Heat::Ungrouped", ["config"] = message.ToString() };
    }

    private static string InnerParts(string message, string boundary)
    {
        var marker = "boundary=\"";
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
            throw new ResourceFailure("A multipart part's config is not a multipart message.");
        var inner = message[(at + marker.Length)..message.IndexOf('"', at + marker.Length)];
        var body = message[message.IndexOf("--" + inner, StringComparison.Ordinal)..];
        var end = body.LastIndexOf("--" + inner + "--", StringComparison.Ordinal);
        return (end >= 0 ? body[..end] : body).Replace("--" + inner, "--" + boundary, StringComparison.Ordinal);
    }
}
