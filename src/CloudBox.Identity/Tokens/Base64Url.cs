using System.Buffers.Text;

namespace CloudBox.Identity.Tokens;

/// <summary>URL-safe base64 without padding, as tokens and audit ids travel in headers and URLs.</summary>
internal static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    public static bool TryDecode(string text, Span<byte> destination, out int written)
    {
        written = 0;
        if (text.Length == 0 || System.Buffers.Text.Base64Url.GetMaxDecodedLength(text.Length) > destination.Length)
            return false;
        try
        {
            return System.Buffers.Text.Base64Url.TryDecodeFromChars(text, destination, out written);
        }
        catch (FormatException)
        {
            return false; // not base64url at all: simply not a token
        }
    }
}
