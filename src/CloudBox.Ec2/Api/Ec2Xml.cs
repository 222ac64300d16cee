using System.Globalization;
using System.Text;
using System.Xml;

namespace CloudBox.Ec2.Api;

/// <summary>
/// Writes one EC2 response document (<c>&lt;ActionResponse xmlns="…/2016-11-15/"&gt;&lt;requestId&gt;…</c>) with an
/// <see cref="XmlWriter"/> into a pooled buffer; lists are bounded before they get here.
/// </summary>
internal sealed class Ec2Xml : IDisposable
{
    public const string Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private readonly MemoryStream _buffer = new();
    private readonly XmlWriter _writer;

    public Ec2Xml(string action, string requestId)
    {
        _writer = XmlWriter.Create(_buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false) });
        _writer.WriteStartDocument();
        _writer.WriteStartElement(action + "Response", Namespace);
        Element("requestId", requestId);
    }

    public Ec2Xml Element(string name, string? value)
    {
        if (value is null)
            return this;
        _writer.WriteStartElement(name);
        _writer.WriteString(value);
        _writer.WriteEndElement();
        return this;
    }

    public Ec2Xml Element(string name, bool value) => Element(name, value ? "true" : "false");

    public Ec2Xml Element(string name, long value) => Element(name, value.ToString(CultureInfo.InvariantCulture));

    public Ec2Xml Time(string name, DateTimeOffset? value) =>
        value is null ? this : Element(name, value.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    public Ec2Xml Start(string name)
    {
        _writer.WriteStartElement(name);
        return this;
    }

    public Ec2Xml End()
    {
        _writer.WriteEndElement();
        return this;
    }

    /// <summary>An empty set (<c>&lt;tagSet/&gt;</c>).</summary>
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

    public byte[] ToBytes()
    {
        _writer.WriteEndElement();
        _writer.WriteEndDocument();
        _writer.Flush();
        return _buffer.ToArray();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _buffer.Dispose();
    }
}
