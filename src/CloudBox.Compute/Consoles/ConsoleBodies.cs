using System.Text.Json.Serialization;

namespace CloudBox.Compute.Consoles;

/// <summary><c>POST /servers/{id}/remote-consoles</c>'s answer (2.6+).</summary>
internal sealed record RemoteConsoleResponse([property: JsonPropertyName("remote_console")] RemoteConsole RemoteConsole);

internal sealed record RemoteConsole(
    [property: JsonPropertyName("protocol")] string Protocol,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("url")] string Url);

/// <summary>The <c>os-getSerialConsole</c> action's answer (2.1).</summary>
internal sealed record LegacyConsoleResponse([property: JsonPropertyName("console")] LegacyConsole Console);

internal sealed record LegacyConsole(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("url")] string Url);

[JsonSerializable(typeof(RemoteConsoleResponse))]
[JsonSerializable(typeof(LegacyConsoleResponse))]
internal sealed partial class ConsoleJsonContext : JsonSerializerContext;
