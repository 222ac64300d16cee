using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.S3;

/// <summary>Builds one S3 XML document in memory (listings are bounded by max-keys) and writes it as the response body.</summary>
internal sealed class S3XmlWriter
{
    public const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    private readonly MemoryStream _buffer = new();
    private readonly XmlWriter _writer;

    public S3XmlWriter(string root, bool withNamespace = true)
    {
        _writer = XmlWriter.Create(_buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Async = false });
        _writer.WriteStartDocument();
        if (withNamespace)
            _writer.WriteStartElement(root, Namespace);
        else
            _writer.WriteStartElement(root);
    }

    public S3XmlWriter Element(string name, string? value)
    {
        _writer.WriteStartElement(name);
        if (value is not null)
            _writer.WriteString(value);
        _writer.WriteEndElement();
        return this;
    }

    public S3XmlWriter Text(string value)
    {
        _writer.WriteString(value);
        return this;
    }

    public S3XmlWriter Start(string name)
    {
        _writer.WriteStartElement(name);
        return this;
    }

    /// <summary>A <c>Grantee</c> of type CanonicalUser (needs the xsi namespace S3 uses).</summary>
    public S3XmlWriter StartGrantee(string id, string? displayName)
    {
        _writer.WriteStartElement("Grantee");
        _writer.WriteAttributeString("xmlns", "xsi", null, "http://www.w3.org/2001/XMLSchema-instance");
        _writer.WriteAttributeString("xsi", "type", "http://www.w3.org/2001/XMLSchema-instance", "CanonicalUser");
        Element("ID", id).Element("DisplayName", displayName);
        return End();
    }

    public S3XmlWriter End()
    {
        _writer.WriteEndElement();
        return this;
    }

    public byte[] ToBytes()
    {
        _writer.WriteEndDocument();
        _writer.Flush();
        return _buffer.ToArray();
    }

    public async Task WriteToAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        var bytes = ToBytes();
        response.ContentType ??= "application/xml";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, cancellationToken);
    }
}
