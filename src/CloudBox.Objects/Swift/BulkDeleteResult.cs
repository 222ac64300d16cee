using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>The outcome of a bulk delete, answered as JSON, XML or plain text as Swift's bulk middleware does.</summary>
internal sealed class BulkDeleteResult
{
    public int Deleted { get; set; }
    public int NotFound { get; set; }
    public List<(string Name, string Status)> Errors { get; } = [];

    public string Status => Errors.Count == 0 ? "200 OK" : "400 Bad Request";

    public async Task WriteAsync(SwiftRequest request)
    {
        var format = ListingFormats.Choose(request.Request);
        byte[] body;
        if (format == ListingFormat.Json)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteNumber("Number Deleted", Deleted);
                json.WriteNumber("Number Not Found", NotFound);
                json.WriteString("Response Body", "");
                json.WriteString("Response Status", Status);
                json.WriteStartArray("Errors");
                foreach (var (name, status) in Errors)
                {
                    json.WriteStartArray();
                    json.WriteStringValue(name);
                    json.WriteStringValue(status);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            body = buffer.ToArray();
        }
        else if (format == ListingFormat.Xml)
        {
            var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<delete>");
            xml.Append($"<number_deleted>{Deleted}</number_deleted><number_not_found>{NotFound}</number_not_found>");
            xml.Append($"<response_body></response_body><response_status>{Status}</response_status><errors>");
            foreach (var (name, status) in Errors)
                xml.Append($"<object><name>{System.Security.SecurityElement.Escape(name)}</name><status>{status}</status></object>");
            xml.Append("</errors></delete>\n");
            body = Encoding.UTF8.GetBytes(xml.ToString());
        }
        else
        {
            var text = new StringBuilder();
            text.Append($"Number Deleted: {Deleted}\nNumber Not Found: {NotFound}\nResponse Body: \nResponse Status: {Status}\nErrors:\n");
            foreach (var (name, status) in Errors)
                text.Append(name).Append(", ").Append(status).Append('\n');
            body = Encoding.UTF8.GetBytes(text.ToString());
        }
        request.Response.StatusCode = StatusCodes.Status200OK;
        request.Response.ContentType = ListingFormats.ContentType(format);
        request.Response.ContentLength = body.Length;
        await request.Response.Body.WriteAsync(body, request.Aborted);
    }
}
