using System.Security.Cryptography;
using System.Text;
using CloudBox.Linux.FileSystem;

namespace CloudBox.Identity.Credentials;

/// <summary>
/// Seals credential blobs (EC2 secrets and the like) with AES-256-GCM under a key kept in
/// <c>DATA/keys/credential/key</c> (0600), so a copy of the database alone does not reveal them.
/// </summary>
public sealed class CredentialCipher
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    public CredentialCipher(string directory)
    {
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(directory, "key");
        if (!File.Exists(path))
            AtomicFile.TryCreate(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _key = Convert.FromBase64String(File.ReadAllText(path).Trim());
    }

    public string Seal(string blob)
    {
        var plain = Encoding.UTF8.GetBytes(blob);
        var output = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceBytes, plain.Length), output.AsSpan(NonceBytes + plain.Length));
        return Convert.ToBase64String(output);
    }

    public string Open(string sealedBlob)
    {
        var input = Convert.FromBase64String(sealedBlob);
        var length = input.Length - NonceBytes - TagBytes;
        var plain = new byte[length];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(input.AsSpan(0, NonceBytes), input.AsSpan(NonceBytes, length), input.AsSpan(NonceBytes + length), plain);
        return Encoding.UTF8.GetString(plain);
    }
}
