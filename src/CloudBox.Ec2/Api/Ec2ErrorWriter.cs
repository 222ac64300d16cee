using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Ec2.Api;

/// <summary>EC2's error document: <c>&lt;Response&gt;&lt;Errors&gt;&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;…&lt;RequestID/&gt;</c>.</summary>
internal static class Ec2ErrorWriter
{
    public static byte[] Render(Ec2Error error, string requestId)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false) }))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("Response");
            writer.WriteStartElement("Errors");
            writer.WriteStartElement("Error");
            writer.WriteElementString("Code", error.Code);
            writer.WriteElementString("Message", error.Message);
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteElementString("RequestID", requestId);
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }
        return buffer.ToArray();
    }

    public static async Task WriteAsync(HttpContext http, Ec2Error error, string requestId)
    {
        var bytes = Render(error, requestId);
        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "text/xml;charset=UTF-8";
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
    }
}
