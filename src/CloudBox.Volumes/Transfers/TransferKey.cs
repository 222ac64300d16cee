using System.Security.Cryptography;
using System.Text;

namespace CloudBox.Volumes.Transfers;

/// <summary>Transfer keys as Cinder makes them: 16 random characters, stored only as a salted hash.</summary>
public static class TransferKey
{
    private const string Alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public static string NewKey() => RandomNumberGenerator.GetString(Alphabet, 16);

    public static string NewSalt() => RandomNumberGenerator.GetString(Alphabet, 8);

    public static string Hash(string salt, string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(salt + key)));

    public static bool Matches(TransferRecord transfer, string key) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(transfer.Salt, key)), Encoding.ASCII.GetBytes(transfer.CryptHash));
}
