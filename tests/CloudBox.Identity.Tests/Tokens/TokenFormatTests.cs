using CloudBox.Identity.Tokens;

namespace CloudBox.Identity.Tests.Tokens;

public class TokenFormatTests
{
    private string _directory = "";

    [SetUp]
    public void CreateKeyDirectory() => _directory = Directory.CreateTempSubdirectory("cloudbox-keys-").FullName;

    [TearDown]
    public void RemoveKeyDirectory() => Directory.Delete(_directory, recursive: true);

    private static TokenPayload Payload(string? scopeId = "0123456789abcdef0123456789abcdef") => new(
        AuthMethods.Password | AuthMethods.Token, "fedcba9876543210fedcba9876543210", TokenScope.Project, scopeId,
        DateTimeOffset.UnixEpoch.AddTicks(17_640_000_000_000_000 + 123_450), DateTimeOffset.UnixEpoch.AddTicks(17_640_036_000_000_000),
        "abcdefghijklmnopqrstuv", "ABCDEFGHIJKLMNOPQRSTUV", null);

    [Test]
    public void SealedTokenOpensToTheSamePayload()
    {
        var keys = new TokenKeyRepository(_directory);
        var token = TokenFormat.Seal(Payload(), keys.Primary);
        Assert.That(TokenFormat.TryOpen(token, keys, out var opened), Is.True);
        Assert.That(opened, Is.EqualTo(Payload()));
        Assert.That(token, Has.Length.LessThan(200), "tokens travel in every request header");
    }

    [Test]
    public void NonHexIdsSurviveToo()
    {
        var keys = new TokenKeyRepository(_directory);
        var payload = Payload(scopeId: "default") with { UserId = "ユーザー" };
        Assert.That(TokenFormat.TryOpen(TokenFormat.Seal(payload, keys.Primary), keys, out var opened), Is.True);
        Assert.That(opened, Is.EqualTo(payload));
    }

    [Test]
    public void AnyFlippedBitIsDetected()
    {
        var keys = new TokenKeyRepository(_directory);
        var token = TokenFormat.Seal(Payload(), keys.Primary);
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(token);
        for (var i = 0; i < bytes.Length; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[i] ^= 0x04;
            Assert.That(TokenFormat.TryOpen(System.Buffers.Text.Base64Url.EncodeToString(copy), keys, out _), Is.False, $"byte {i}");
        }
    }

    [Test]
    public void RotationKeepsRecentTokensAndRetiresOldKeys()
    {
        var keys = new TokenKeyRepository(_directory);
        var oldest = TokenFormat.Seal(Payload(), keys.Primary);
        keys.Rotate();
        var middle = TokenFormat.Seal(Payload(), keys.Primary);
        Assert.That(TokenFormat.TryOpen(oldest, keys, out _), Is.True, "a secondary key still opens tokens");
        keys.Rotate();
        keys.Rotate();
        Assert.That(TokenFormat.TryOpen(oldest, keys, out _), Is.False, "retired key");
        Assert.That(keys.KeyIds, Has.Count.EqualTo(TokenKeyRepository.MaxActiveKeys));
        Assert.That(TokenFormat.TryOpen(middle, keys, out _), Is.False);
        Assert.That(TokenFormat.TryOpen(TokenFormat.Seal(Payload(), keys.Primary), keys, out _), Is.True);
    }

    [Test]
    public void AnotherProcessSeesTheSameKeys()
    {
        var first = new TokenKeyRepository(_directory);
        var token = TokenFormat.Seal(Payload(), first.Primary);
        var second = new TokenKeyRepository(_directory);
        Assert.That(TokenFormat.TryOpen(token, second, out _), Is.True);
        var mode = File.GetUnixFileMode(Path.Combine(_directory, first.Primary.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(mode, Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "key files are private");
    }
}
