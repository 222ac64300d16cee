using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Compute.Tests;

/// <summary>Key pairs: generation (a usable RSA key and a matching OpenSSH public key), import, uniqueness and privacy.</summary>
public sealed class KeypairTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    [Test]
    public async Task Generated_keys_are_a_matching_rsa_pair()
    {
        var name = Unique("gen");
        var (status, body, _) = await Nova(HttpMethod.Post, "/os-keypairs", AdminToken, new JsonObject { ["keypair"] = new JsonObject { ["name"] = name } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        var keypair = body!["keypair"]!;
        var privateKey = keypair["private_key"]!.GetValue<string>();
        var publicKey = keypair["public_key"]!.GetValue<string>();
        Assert.That(publicKey, Does.StartWith("ssh-rsa AAAAB3NzaC1yc2E"));

        // The public line carries the same modulus as the private key.
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKey);
        var blob = Convert.FromBase64String(publicKey.Split(' ')[1]);
        var modulus = rsa.ExportParameters(false).Modulus!;
        Assert.That(Convert.ToHexString(blob), Does.EndWith(Convert.ToHexString(modulus)));
        var fingerprint = string.Join(':', MD5.HashData(blob).Select(b => b.ToString("x2")));
        Assert.That(keypair["fingerprint"]!.GetValue<string>(), Is.EqualTo(fingerprint));

        var (_, shown, _) = await Nova(HttpMethod.Get, $"/os-keypairs/{name}", AdminToken);
        Assert.That(shown!["keypair"]!["public_key"]!.GetValue<string>(), Is.EqualTo(publicKey));
        Assert.That(shown["keypair"]!["private_key"], Is.Null);
    }

    [Test]
    public async Task Imported_keys_are_checked_and_unique_per_user()
    {
        const string ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMxT0bVj1BvI6Mf2xCLWB3gBC1N3yJXyB0sZyVw2dx0b test@host";
        var name = Unique("imp");
        var keypair = new JsonObject { ["keypair"] = new JsonObject { ["name"] = name, ["public_key"] = ed25519 } };
        var (status, body, _) = await Nova(HttpMethod.Post, "/os-keypairs", AdminToken, keypair);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        Assert.That(body!["keypair"]!["private_key"], Is.Null);
        Assert.That((await Nova(HttpMethod.Post, "/os-keypairs", AdminToken, keypair)).Status, Is.EqualTo(HttpStatusCode.Conflict));

        var (bad, _, _) = await Nova(HttpMethod.Post, "/os-keypairs", AdminToken,
            new JsonObject { ["keypair"] = new JsonObject { ["name"] = Unique("bad"), ["public_key"] = "ssh-rsa not-base64!!" } });
        Assert.That(bad, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Users_see_only_their_own_key_pairs()
    {
        var name = Unique("mine");
        await Nova(HttpMethod.Post, "/os-keypairs", AdminToken, new JsonObject { ["keypair"] = new JsonObject { ["name"] = name } });
        var (member, _) = await NewMemberAsync();
        Assert.That((await Nova(HttpMethod.Get, $"/os-keypairs/{name}", member)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        var (_, list, _) = await Nova(HttpMethod.Get, "/os-keypairs", member);
        Assert.That(list!["keypairs"]!.AsArray(), Is.Empty);
        Assert.That((await Nova(HttpMethod.Delete, $"/os-keypairs/{name}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await Nova(HttpMethod.Get, $"/os-keypairs/{name}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
