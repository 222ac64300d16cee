using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CloudBox.Identity.Tokens;

/// <summary>
/// The wire form of a token: base64url of
/// <c>version(1) | key id(4) | nonce(12) | AES-256-GCM(payload) | tag(16)</c>, the header
/// authenticated as associated data. Stateless like Fernet, but the key id spares trying every
/// key and GCM seals in one pass. Ids that are 32 hex digits pack into 16 bytes.
/// </summary>
public static class TokenFormat
{
    public const byte Version = 1;
    public const int TagBytes = 16;
    private const int NonceBytes = 12;
    private const int HeaderBytes = 1 + 4;
    private const int MaxPayloadBytes = 512;
    private const byte HexIdTag = 1;
    private const byte TextIdTag = 2;
    private const byte NoIdTag = 0;

    public static string Seal(TokenPayload payload, TokenKey key)
    {
        Span<byte> plain = stackalloc byte[MaxPayloadBytes];
        var length = WritePayload(payload, plain);

        var sealedLength = HeaderBytes + NonceBytes + length + TagBytes;
        Span<byte> output = stackalloc byte[sealedLength];
        output[0] = Version;
        BinaryPrimitives.WriteUInt32BigEndian(output[1..5], key.Id);
        var nonce = output.Slice(HeaderBytes, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        var cipher = output.Slice(HeaderBytes + NonceBytes, length);
        var tag = output.Slice(HeaderBytes + NonceBytes + length, TagBytes);
        key.Cipher.Encrypt(nonce, plain[..length], cipher, tag, output[..HeaderBytes]);
        return Base64Url.Encode(output);
    }

    /// <summary>Opens a token sealed by any active key; false for anything malformed, forged or sealed by a retired key.</summary>
    public static bool TryOpen(string token, TokenKeyRepository keys, out TokenPayload? payload)
    {
        payload = null;
        Span<byte> raw = stackalloc byte[HeaderBytes + NonceBytes + MaxPayloadBytes + TagBytes];
        if (!Base64Url.TryDecode(token, raw, out var rawLength) || rawLength < HeaderBytes + NonceBytes + TagBytes + 1)
            return false;
        raw = raw[..rawLength];
        if (raw[0] != Version)
            return false;
        var key = keys.Find(BinaryPrimitives.ReadUInt32BigEndian(raw[1..5]));
        if (key is null)
            return false;

        var cipherLength = rawLength - HeaderBytes - NonceBytes - TagBytes;
        Span<byte> plain = stackalloc byte[cipherLength];
        try
        {
            key.Cipher.Decrypt(raw.Slice(HeaderBytes, NonceBytes), raw.Slice(HeaderBytes + NonceBytes, cipherLength),
                raw.Slice(rawLength - TagBytes, TagBytes), plain, raw[..HeaderBytes]);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        return TryReadPayload(plain, out payload);
    }

    private static int WritePayload(TokenPayload payload, Span<byte> buffer)
    {
        var position = 0;
        buffer[position++] = (byte)payload.Methods;
        buffer[position++] = (byte)payload.Scope;
        WriteLong(buffer, ref position, payload.IssuedAt.ToUnixTimeMilliseconds() * 1000 + payload.IssuedAt.Ticks / 10 % 1000);
        WriteLong(buffer, ref position, payload.ExpiresAt.ToUnixTimeMilliseconds() * 1000 + payload.ExpiresAt.Ticks / 10 % 1000);
        WriteId(buffer, ref position, payload.UserId);
        WriteId(buffer, ref position, payload.ScopeId);
        WriteId(buffer, ref position, payload.AuditId);
        WriteId(buffer, ref position, payload.ParentAuditId);
        WriteId(buffer, ref position, payload.ApplicationCredentialId);
        return position;
    }

    private static bool TryReadPayload(ReadOnlySpan<byte> buffer, out TokenPayload? payload)
    {
        payload = null;
        var position = 0;
        if (buffer.Length < 2 + 16)
            return false;
        var methods = (AuthMethods)buffer[position++];
        var scope = (TokenScope)buffer[position++];
        var issued = ReadLong(buffer, ref position);
        var expires = ReadLong(buffer, ref position);
        if (!TryReadId(buffer, ref position, out var userId) || userId is null
            || !TryReadId(buffer, ref position, out var scopeId)
            || !TryReadId(buffer, ref position, out var auditId) || auditId is null
            || !TryReadId(buffer, ref position, out var parentAuditId)
            || !TryReadId(buffer, ref position, out var applicationCredentialId))
            return false;
        payload = new TokenPayload(methods, userId, scope, scopeId, FromMicros(issued), FromMicros(expires), auditId, parentAuditId, applicationCredentialId);
        return true;
    }

    private static DateTimeOffset FromMicros(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    private static void WriteLong(Span<byte> buffer, ref int position, long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(buffer[position..], value);
        position += 8;
    }

    private static long ReadLong(ReadOnlySpan<byte> buffer, ref int position)
    {
        var value = BinaryPrimitives.ReadInt64BigEndian(buffer[position..]);
        position += 8;
        return value;
    }

    private static void WriteId(Span<byte> buffer, ref int position, string? id)
    {
        if (id is null)
        {
            buffer[position++] = NoIdTag;
            return;
        }
        if (id.Length == 32 && Convert.FromHexString(id, buffer.Slice(position + 1, 16), out _, out var written) == System.Buffers.OperationStatus.Done && written == 16 && IsLowerHex(id))
        {
            buffer[position] = HexIdTag;
            position += 17;
            return;
        }
        var byteCount = Encoding.UTF8.GetByteCount(id);
        if (byteCount > 255)
            throw new ArgumentException("Identifier too long for a token.", nameof(id));
        buffer[position++] = TextIdTag;
        buffer[position++] = (byte)byteCount;
        position += Encoding.UTF8.GetBytes(id, buffer[position..]);
    }

    private static bool TryReadId(ReadOnlySpan<byte> buffer, ref int position, out string? id)
    {
        id = null;
        if (position >= buffer.Length)
            return false;
        switch (buffer[position++])
        {
            case NoIdTag:
                return true;
            case HexIdTag:
                if (position + 16 > buffer.Length)
                    return false;
                id = Convert.ToHexStringLower(buffer.Slice(position, 16));
                position += 16;
                return true;
            case TextIdTag:
                if (position >= buffer.Length)
                    return false;
                int length = buffer[position++];
                if (position + length > buffer.Length)
                    return false;
                id = Encoding.UTF8.GetString(buffer.Slice(position, length));
                position += length;
                return true;
            default:
                return false;
        }
    }

    private static bool IsLowerHex(string id)
    {
        foreach (var c in id)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
                return false;
        }
        return true;
    }
}
