using System.Text;

namespace CloudBox.Objects.Storage;

/// <summary>
/// What user metadata may hold, and how it is shown. Swift stores metadata as UTF-8 and returns the
/// bytes as they came; control characters (and DEL) have no place in a header and are refused when
/// written. Values stored before that rule are still shown, their control characters percent-escaped,
/// so an old object can always be read.
/// </summary>
internal static class MetadataText
{
    /// <summary>True when <paramref name="text"/> holds a control character other than a tab, or DEL.</summary>
    public static bool HasControl(string text)
    {
        foreach (var c in text)
        {
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return true;
        }
        return false;
    }

    /// <summary><paramref name="text"/> with each control character (and DEL) as <c>%XX</c>.</summary>
    public static string ForHeader(string text)
    {
        if (!HasControl(text))
            return text;
        var shown = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                shown.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else
                shown.Append(c);
        }
        return shown.ToString();
    }

    /// <summary>
    /// How S3 shows a value: as it is when printable ASCII; otherwise as one RFC 2047 encoded word
    /// (<c>=?UTF-8?B?…?=</c>), which is what S3 answers for non-ASCII user metadata.
    /// </summary>
    public static string ForS3Header(string text)
    {
        foreach (var c in text)
        {
            if (c < 0x20 || c > 0x7e)
                return "=?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) + "?=";
        }
        return text;
    }
}
