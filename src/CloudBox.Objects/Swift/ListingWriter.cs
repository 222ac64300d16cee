using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using CloudBox.Objects.Storage;

namespace CloudBox.Objects.Swift;

/// <summary>Renders account and container listings in Swift's plain, JSON and XML shapes.</summary>
internal static class ListingWriter
{
    public static byte[] Containers(IReadOnlyList<ListingEntry<ContainerRecord>> entries, ListingFormat format, string account) =>
        Render(entries, format, "account", account, "container", (json, c) =>
        {
            json.WriteString("name", c.Name);
            json.WriteNumber("count", c.ObjectCount);
            json.WriteNumber("bytes", c.BytesUsed);
            json.WriteString("last_modified", SwiftHeaders.ListingTime(c.CreatedAt));
        }, (xml, c) =>
        {
            xml.WriteElementString("name", c.Name);
            xml.WriteElementString("count", c.ObjectCount.ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("bytes", c.BytesUsed.ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("last_modified", SwiftHeaders.ListingTime(c.CreatedAt));
        }, c => c.Name);

    public static byte[] Objects(IReadOnlyList<ListingEntry<ObjectRecord>> entries, ListingFormat format, string container) =>
        Render(entries, format, "container", container, "object", (json, o) =>
        {
            var view = ObjectView.Of(o);
            json.WriteString("name", o.Name);
            json.WriteString("hash", view.ListingEtag);
            json.WriteNumber("bytes", view.Length);
            json.WriteString("content_type", o.ContentType);
            json.WriteString("last_modified", SwiftHeaders.ListingTime(o.LastModified));
        }, (xml, o) =>
        {
            var view = ObjectView.Of(o);
            xml.WriteElementString("name", o.Name);
            xml.WriteElementString("hash", view.ListingEtag);
            xml.WriteElementString("bytes", view.Length.ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("content_type", o.ContentType);
            xml.WriteElementString("last_modified", SwiftHeaders.ListingTime(o.LastModified));
        }, o => o.Name);

    private static byte[] Render<T>(IReadOnlyList<ListingEntry<T>> entries, ListingFormat format, string rootElement, string rootName, string itemElement,
        Action<Utf8JsonWriter, T> json, Action<XmlWriter, T> xml, Func<T, string> nameOf) where T : class
    {
        switch (format)
        {
            case ListingFormat.Json:
            {
                using var buffer = new MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    writer.WriteStartArray();
                    foreach (var entry in entries)
                    {
                        writer.WriteStartObject();
                        if (entry.Item is { } item)
                            json(writer, item);
                        else
                            writer.WriteString("subdir", entry.Subdir);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                }
                return buffer.ToArray();
            }
            case ListingFormat.Xml:
            {
                using var buffer = new MemoryStream();
                using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Async = false }))
                {
                    writer.WriteStartDocument();
                    writer.WriteStartElement(rootElement);
                    writer.WriteAttributeString("name", rootName);
                    foreach (var entry in entries)
                    {
                        if (entry.Item is { } item)
                        {
                            writer.WriteStartElement(itemElement);
                            xml(writer, item);
                        }
                        else
                        {
                            writer.WriteStartElement("subdir");
                            writer.WriteAttributeString("name", entry.Subdir);
                            writer.WriteElementString("name", entry.Subdir);
                        }
                        writer.WriteEndElement();
                    }
                    writer.WriteEndElement();
                    writer.WriteEndDocument();
                }
                return buffer.ToArray();
            }
            default:
            {
                var text = new StringBuilder();
                foreach (var entry in entries)
                    text.Append(entry.Item is { } item ? nameOf(item) : entry.Subdir).Append('\n');
                return Encoding.UTF8.GetBytes(text.ToString());
            }
        }
    }
}
