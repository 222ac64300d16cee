using System.Text.Json.Nodes;
using CloudBox.Core.Api;

namespace CloudBox.Identity.Credentials;

/// <summary>The blob of an <c>ec2</c> credential: a JSON string holding <c>access</c> and <c>secret</c>.</summary>
public static class Ec2Blob
{
    public static string Create(string access, string secret) => new JsonObject { ["access"] = access, ["secret"] = secret }.ToJsonString();

    public static (string Access, string Secret) Parse(string blob)
    {
        try
        {
            if (JsonNode.Parse(blob) is JsonObject json && json["access"]?.GetValue<string>() is { Length: > 0 } access && json["secret"]?.GetValue<string>() is { Length: > 0 } secret)
                return (access, secret);
        }
        catch (System.Text.Json.JsonException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        throw ApiFault.BadRequest("Invalid blob in credential: an ec2 blob is a JSON string with 'access' and 'secret'.");
    }
}
