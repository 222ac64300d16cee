using System.Xml;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.S3;

/// <summary>Writes an <see cref="S3Error"/> as S3 does: status, and unless HEAD, <c>&lt;Error&gt;</c> with Code, Message, Resource and RequestId.</summary>
internal static class S3ErrorWriter
{
    public static async Task WriteAsync(HttpContext context, S3Error error, string requestId)
    {
        var response = context.Response;
        response.StatusCode = error.Status;
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        response.ContentType = "application/xml";
        var xml = new S3XmlWriter("Error", withNamespace: false);
        xml.Element("Code", error.Code);
        xml.Element("Message", error.Message);
        foreach (var (name, value) in error.Details)
            xml.Element(name, value);
        xml.Element("Resource", context.Request.Path.Value ?? "/");
        xml.Element("RequestId", requestId);
        await xml.WriteToAsync(response, context.RequestAborted);
    }
}
