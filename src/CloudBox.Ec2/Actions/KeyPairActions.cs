using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>
/// Key pairs are Nova's (the user's own, by name), each with an EC2 id (<c>key-…</c>) for <c>KeyPairId</c>, the
/// <c>key-pair-id</c> filter and tags.
/// </summary>
internal static class KeyPairActions
{
    /// <summary>The id map's OpenStack id of a key pair: Nova's key pairs are named per user.</summary>
    public static string OsId(Ec2Context context, string name) => context.Caller.UserId + "/" + name;

    /// <summary>Nova's path of the key pair behind <paramref name="osId"/>; another user's answers as not found to the caller.</summary>
    public static string NovaPath(Ec2Context context, string osId)
    {
        var slash = osId.IndexOf('/');
        var user = osId[..Math.Max(slash, 0)];
        var path = $"{OsClient.Nova}/os-keypairs/{Uri.EscapeDataString(osId[(slash + 1)..])}";
        return user == context.Caller.UserId ? path : path + "?user_id=" + Uri.EscapeDataString(user);
    }

    /// <summary>EC2's key type of an OpenSSH public key.</summary>
    private static string KeyType(string? publicKey) => publicKey?.StartsWith("ssh-ed25519", StringComparison.Ordinal) == true ? "ed25519" : "rsa";

    public static async Task<byte[]> CreateAsync(Ec2Context context)
    {
        var name = context.Request.Require("KeyName");
        if (context.Request.Get("KeyType") is { } type && type != "rsa")
            throw Ec2Error.InvalidParameterValue($"Value ({type}) for parameter KeyType is invalid. This cloud generates rsa key pairs only (import an ed25519 key with ImportKeyPair).");
        if (context.Request.Get("KeyFormat") is { } format && format != "pem")
            throw Ec2Error.InvalidParameterValue($"Value ({format}) for parameter KeyFormat is invalid. This cloud writes pem private keys only.");
        var created = await CreateAsync(context, name, null);
        var keyPairId = await NewIdAsync(context, name);
        using var xml = context.Response();
        xml.Element("keyName", name).Element("keyFingerprint", created.Str("fingerprint")).Element("keyMaterial", created.Str("private_key"))
            .Element("keyPairId", keyPairId).Tags(VpcActions.TagSpecifications(context.Request, "key-pair"));
        return xml.ToBytes();
    }

    /// <summary>A new key pair's id (a fresh one: a key deleted and made again under its name is another key pair) and its tags.</summary>
    private static async Task<string> NewIdAsync(Ec2Context context, string name)
    {
        var osId = OsId(context, name);
        await context.Ids.ForgetAsync(Ec2Kind.KeyPair, osId, context.Aborted);
        var keyPairId = await context.Ids.Ec2IdAsync(Ec2Kind.KeyPair, osId, context.Aborted);
        await VpcActions.ApplyTagSpecificationsAsync(context, "key-pair", [keyPairId]);
        return keyPairId;
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
        var keyPairId = await NewIdAsync(context, name);
        using var xml = context.Response();
        xml.Element("keyName", name).Element("keyFingerprint", created.Str("fingerprint")).Element("keyPairId", keyPairId)
            .Tags(VpcActions.TagSpecifications(context.Request, "key-pair"));
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
        var ids = context.Request.List("KeyPairId");
        var includePublicKey = context.Request.Bool("IncludePublicKey") ?? false;
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "key-name", "fingerprint", "key-pair-id", "key-type");
        var body = await context.Os.GetAsync($"{OsClient.Nova}/os-keypairs", context.Aborted);
        var keys = body.Items("keypairs").Select(k => k["keypair"]).OfType<JsonNode>().ToList();
        foreach (var name in names)
        {
            if (!keys.Any(k => k.Str("name") == name))
                throw new Ec2Error(400, "InvalidKeyPair.NotFound", $"The key pair '{name}' does not exist");
        }
        var keyIds = await context.Ids.Ec2IdsAsync(Ec2Kind.KeyPair, keys.Select(k => OsId(context, k.Str("name") ?? "")).ToList(), context.Aborted);
        foreach (var id in ids)
        {
            Ec2Kind.KeyPair.RequireWellFormed(id);
            if (!keyIds.ContainsValue(id))
                throw new Ec2Error(400, "InvalidKeyPair.NotFound", $"The key pair ID '{id}' does not exist");
        }
        var tags = await context.Tags.ForAsync(context.ProjectId, keyIds.Values, context.Aborted);
        using var xml = context.Response();
        xml.Start("keySet");
        foreach (var key in keys)
        {
            var name = key.Str("name") ?? "";
            var keyPairId = keyIds[OsId(context, name)];
            var publicKey = key.Str("public_key");
            var keyTags = tags.GetValueOrDefault(keyPairId);
            if (names.Count > 0 && !names.Contains(name))
                continue;
            if (ids.Count > 0 && !ids.Contains(keyPairId))
                continue;
            if (!TagFilters.Passes(filters, keyTags, filter => filter switch
                {
                    "key-name" => [name],
                    "key-pair-id" => [keyPairId],
                    "key-type" => [KeyType(publicKey)],
                    _ => [key.Str("fingerprint")],
                }))
                continue;
            xml.Start("item").Element("keyPairId", keyPairId).Element("keyName", name).Element("keyFingerprint", key.Str("fingerprint"))
                .Element("keyType", KeyType(publicKey)).Tags(keyTags);
            if (includePublicKey)
                xml.Element("publicKey", publicKey);
            xml.End();
        }
        xml.End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> DeleteAsync(Ec2Context context)
    {
        var name = context.Request.Get("KeyName");
        string? keyPairId = null;
        if (name is null)
        {
            // By id: the key pair of this user the id names (another user's is not found).
            keyPairId = context.Request.Get("KeyPairId") ?? throw Ec2Error.MissingParameter("KeyName");
            var osId = await context.Ids.OsIdAsync(Ec2Kind.KeyPair, keyPairId, context.Aborted);
            if (!osId.StartsWith(context.Caller.UserId + "/", StringComparison.Ordinal))
                throw new Ec2Error(400, "InvalidKeyPair.NotFound", $"The key pair ID '{keyPairId}' does not exist");
            name = osId[(context.Caller.UserId.Length + 1)..];
        }
        try
        {
            await context.Os.DeleteAsync($"{OsClient.Nova}/os-keypairs/{Uri.EscapeDataString(name)}", context.Aborted);
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            // EC2 answers true for a key that does not exist
        }
        var forgotten = OsId(context, name);
        keyPairId ??= (await context.Ids.Ec2IdsAsync(Ec2Kind.KeyPair, [forgotten], context.Aborted))[forgotten];
        await context.Tags.DeleteAsync(context.ProjectId, [keyPairId], [], context.Aborted);
        await context.Ids.ForgetAsync(Ec2Kind.KeyPair, forgotten, context.Aborted);
        using var xml = context.Response();
        xml.Element("return", true).Element("keyPairId", keyPairId);
        return xml.ToBytes();
    }
}
