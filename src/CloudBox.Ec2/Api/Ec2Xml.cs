using System.Buffers;
using System.Globalization;
using System.Text;

namespace CloudBox.Ec2.Api;

/// <summary>
/// Writes one EC2 response document (<c>&lt;ActionResponse xmlns="…/2016-11-15/"&gt;&lt;requestId&gt;…</c>) as UTF-8
/// into a pooled buffer. Element names are the module's own constants; values are escaped here (and a
/// character XML 1.0 cannot carry becomes U+FFFD rather than failing the request). A hand-written
/// writer: XmlWriter's checking layers and stream growth cost more than the rest of a 1,000-instance
/// DescribeInstances together. Lists are bounded before they get here.
/// </summary>
internal sealed class Ec2Xml : IDisposable
{
    public const string Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

    /// <summary>What text content cannot carry as is: markup characters, carriage return, and the characters XML 1.0 forbids.</summary>
    private static readonly SearchValues<char> Special = SearchValues.Create(
        "&<>\r\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\uFFFE\uFFFF");

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);
    private int _length;
    private readonly Stack<string> _open = new();
    private bool _startTagOpen;

    public Ec2Xml(string action, string requestId)
    {
        Raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        Start(action + "Response");
        Raw(" xmlns=\"" + Namespace + "\"");
        Element("requestId", requestId);
    }

    public Ec2Xml Element(string name, string? value)
    {
        if (value is null)
            return this;
        Start(name);
        CloseStartTag();
        Text(value);
        return End();
    }

    public Ec2Xml Element(string name, bool value) => Element(name, value ? "true" : "false");

    public Ec2Xml Element(string name, long value) => Element(name, value.ToString(CultureInfo.InvariantCulture));

    public Ec2Xml Time(string name, DateTimeOffset? value) =>
        value is null ? this : Element(name, value.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    public Ec2Xml Start(string name)
    {
        CloseStartTag();
        Raw("<");
        Raw(name);
        _open.Push(name);
        _startTagOpen = true;
        return this;
    }

    public Ec2Xml End()
    {
        var name = _open.Pop();
        if (_startTagOpen)
        {
            Raw(" />");
            _startTagOpen = false;
            return this;
        }
        Raw("</");
        Raw(name);
        Raw(">");
        return this;
    }

    /// <summary>An empty set (<c>&lt;tagSet /&gt;</c>).</summary>
    public Ec2Xml Empty(string name) => Start(name).End();

    /// <summary>A <c>tagSet</c> with one item per tag.</summary>
    public Ec2Xml Tags(IReadOnlyList<KeyValuePair<string, string>>? tags, string name = "tagSet")
    {
        Start(name);
        if (tags is not null)
        {
            foreach (var (key, value) in tags)
                Start("item").Element("key", key).Element("value", value).End();
        }
        return End();
    }

    /// <summary>The finished document (every open element closed).</summary>
    public byte[] ToBytes()
    {
        while (_open.Count > 0)
            End();
        return _buffer.AsSpan(0, _length).ToArray();
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }

    private void CloseStartTag()
    {
        if (!_startTagOpen)
            return;
        Raw(">");
        _startTagOpen = false;
    }

    private void Text(string value)
    {
        var rest = value.AsSpan();
        while (rest.Length > 0)
        {
            var special = rest.IndexOfAny(Special);
            if (special < 0)
            {
                Utf8(rest);
                return;
            }
            Utf8(rest[..special]);
            Raw(rest[special] switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\r' => "&#xD;",
                _ => "\uFFFD",
            });
            rest = rest[(special + 1)..];
        }
    }

    private void Raw(string text) => Utf8(text);

    private void Utf8(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return;
        var most = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (_buffer.Length - _length < most)
            Grow(most);
        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
    }

    private void Grow(int needed)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + needed));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
