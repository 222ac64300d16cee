using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources;

/// <summary>
/// A resource's token-free signal URL: <c>…/orchestration/signal/{stack_id}/{resource}/{key}</c>, where
/// the key is 32 random bytes kept with the resource (a capability, like Heat's pre-signed URLs), so a
/// guest can <c>curl</c> it without credentials.
/// </summary>
internal static class SignalUrl
{
    public static string For(ResourceContext context)
    {
        if (context.Data["signal_key"]?.ToString() is not { } key)
        {
            key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            context.Data["signal_key"] = key;
        }
        return new Uri(context.Api.BaseAddress!, $"orchestration/signal/{context.StackId}/{Uri.EscapeDataString(context.ResourceName)}/{key}").ToString();
    }

    public static bool Matches(JsonObject data, string key) =>
        data["signal_key"]?.ToString() is { } expected && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(expected), System.Text.Encoding.ASCII.GetBytes(key));
}
