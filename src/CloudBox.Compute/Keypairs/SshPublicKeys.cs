using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CloudBox.Core.Api;

namespace CloudBox.Compute.Keypairs;

/// <summary>
/// OpenSSH public keys: the <c>ssh-rsa AAAA… comment</c> line (RFC 4253 wire encoding, base64),
/// its MD5 fingerprint in colon-separated hex as Nova shows it, and RSA key generation.
/// </summary>
public static class SshPublicKeys
{
    private static readonly string[] KnownTypes =
        ["ssh-rsa", "ssh-ed25519", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"];

    /// <summary>Checks an imported key line; returns its fingerprint, or 400 when it is not a public key.</summary>
    public static string Fingerprint(string publicKey)
    {
        var parts = publicKey.Trim().Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || Array.IndexOf(KnownTypes, parts[0]) < 0)
            throw ApiFault.BadRequest("Keypair data is invalid: failed to generate fingerprint");
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            throw ApiFault.BadRequest("Keypair data is invalid: failed to generate fingerprint");
        }
        // The blob starts with the same key type string the line names.
        if (blob.Length < 4 || BinaryPrimitives.ReadUInt32BigEndian(blob) is var length && length > blob.Length - 4
            || Encoding.ASCII.GetString(blob, 4, (int)BinaryPrimitives.ReadUInt32BigEndian(blob)) != parts[0])
            throw ApiFault.BadRequest("Keypair data is invalid: failed to generate fingerprint");
        return FingerprintOf(blob);
    }

    public static string FingerprintOf(byte[] blob) =>
        string.Join(':', MD5.HashData(blob).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>A new 2048-bit RSA key: the private key in PEM (PKCS#1) and the public key line.</summary>
    public static (string PrivateKeyPem, string PublicKeyLine, string Fingerprint) GenerateRsa(string comment)
    {
        using var rsa = RSA.Create(2048);
        var parameters = rsa.ExportParameters(false);
        var blob = new MemoryStream();
        WriteString(blob, Encoding.ASCII.GetBytes("ssh-rsa"));
        WriteMpint(blob, parameters.Exponent!);
        WriteMpint(blob, parameters.Modulus!);
        var bytes = blob.ToArray();
        var line = $"ssh-rsa {Convert.ToBase64String(bytes)} {comment}";
        return (rsa.ExportRSAPrivateKeyPem() + "\n", line, FingerprintOf(bytes));
    }

    private static void WriteString(Stream stream, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)value.Length);
        stream.Write(length);
        stream.Write(value);
    }

    /// <summary>An unsigned big-endian integer as SSH's mpint: no leading zeros, one zero byte when the top bit is set.</summary>
    private static void WriteMpint(Stream stream, byte[] magnitude)
    {
        var start = 0;
        while (start < magnitude.Length - 1 && magnitude[start] == 0)
            start++;
        var trimmed = magnitude.AsSpan(start);
        if ((trimmed[0] & 0x80) != 0)
        {
            var padded = new byte[trimmed.Length + 1];
            trimmed.CopyTo(padded.AsSpan(1));
            WriteString(stream, padded);
        }
        else
        {
            WriteString(stream, trimmed);
        }
    }
}
