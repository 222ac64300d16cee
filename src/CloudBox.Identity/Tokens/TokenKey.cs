using System.Security.Cryptography;

namespace CloudBox.Identity.Tokens;

/// <summary>One sealing key. AES-GCM instances are not thread-safe, so each thread gets its own.</summary>
public sealed class TokenKey(uint id, byte[] material)
{
    private readonly ThreadLocal<AesGcm> _cipher = new(() => new AesGcm(material, TokenFormat.TagBytes));

    public uint Id { get; } = id;

    public AesGcm Cipher => _cipher.Value!;
}
