using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>Key pairs are Nova's (the user's own, by name).</summary>
internal static class KeyPairActions
{
    public static async Task<byte[]> CreateAsync(Ec2Context context)
    {
        var name = context.Request.Require("KeyName");
        var created = await CreateAsync(context, name, null);
        using var xml = context.Response();
        xml.Element("keyName", name).Element("keyFingerprint", created.Str("fingerprint")).Element("keyMaterial", created.Str("private_key"));
        return xml.ToBytes();
    }

    public static async Task<byte[]> ImportAsync(Ec2Context context)
    {
        var name = context.Request.Require("KeyName");
        var material = context.Request.Require("PublicKeyMaterial");
        // The API takes the key base64-encoded (the CLI encodes a file's bytes); a raw key is accepted too.
        string publicKey;
        try
        {
            publicKey = Encoding.UTF8.GetString(Convert.FromBase64String(material)).Trim();
        }
        catch (FormatException)
        {
            publicKey = material.Trim();
        }
        var created = await CreateAsync(context, name, publicKey);
        using var xml = context.Response();
        xml.Element("keyName", name).Element("keyFingerprint", created.Str("fingerprint"));
        return xml.ToBytes();
    }

    private static async Task<JsonNode> CreateAsync(Ec2Context context, string name, string? publicKey)
    {
        if (name.Length > 255)
            throw Ec2Error.InvalidParameterValue("KeyName must be at most 255 characters.");
        var keypair = new JsonObject { ["name"] = name };
        if (publicKey is not null)
            keypair["public_key"] = publicKey;
        try
        {
            var body = await context.Os.PostAsync($"{OsClient.Nova}/os-keypairs", new JsonObject { ["keypair"] = keypair }, context.Aborted);
            return body?["keypair"] ?? new JsonObject();
        }
        catch (OsFault fault) when (fault.Status == 409)
        {
            throw new Ec2Error(400, "InvalidKeyPair.Duplicate", $"The keypair '{name}' already exists.");
        }
        catch (OsFault fault) when (fault.Status == 400)
        {
            throw new Ec2Error(400, publicKey is null ? "InvalidParameterValue" : "InvalidKey.Format", fault.Message);
        }
        catch (OsFault fault) when (fault.Status == 403 && fault.IsQuota)
        {
            throw new Ec2Error(400, "ResourceLimitExceeded", fault.Message);
        }
    }

    public static async Task<byte[]> DescribeAsync(Ec2Context context)
    {
        var names = context.Request.List("KeyName");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "key-name", "fingerprint");
        var body = await context.Os.GetAsync($"{OsClient.Nova}/os-keypairs", context.Aborted);
        var keys = body.Items("keypairs").Select(k => k["keypair"]).OfType<JsonNode>().ToList();
        foreach (var name in names)
        {
            if (!keys.Any(k => k.Str("name") == name))
                throw new Ec2Error(400, "InvalidKeyPair.NotFound", $"The key pair '{name}' does not exist");
        }
        using var xml = context.Response();
        xml.Start("keySet");
        foreach (var key in keys)
        {
            var name = key.Str("name") ?? "";
            if (names.Count > 0 && !names.Contains(name))
                continue;
            if (!TagFilters.Passes(filters, null, filter => filter == "key-name" ? [name] : [key.Str("fingerprint")]))
                continue;
            xml.Start("item").Element("keyName", name).Element("keyFingerprint", key.Str("fingerprint")).End();
        }
        xml.End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> DeleteAsync(Ec2Context context)
    {
        var name = context.Request.Require("KeyName");
        try
        {
            await context.Os.DeleteAsync($"{OsClient.Nova}/os-keypairs/{Uri.EscapeDataString(name)}", context.Aborted);
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            // EC2 answers true for a key that does not exist
        }
        return VpcActions.True(context);
    }
}
