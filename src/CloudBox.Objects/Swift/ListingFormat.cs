using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>How a listing is answered: chosen by <c>?format=</c>, else by the Accept header, else plain text.</summary>
internal enum ListingFormat
{
    Plain,
    Json,
    Xml,
}

internal static class ListingFormats
{
    public static ListingFormat Choose(HttpRequest request)
    {
        var format = request.Query["format"].ToString().ToLowerInvariant();
        if (format.Length > 0)
        {
            return format switch
            {
                "json" => ListingFormat.Json,
                "xml" => ListingFormat.Xml,
                _ => ListingFormat.Plain,
            };
        }
        var accept = request.Headers.Accept.ToString();
        if (accept.Contains("application/json", StringComparison.OrdinalIgnoreCase))
            return ListingFormat.Json;
        if (accept.Contains("application/xml", StringComparison.OrdinalIgnoreCase) || accept.Contains("text/xml", StringComparison.OrdinalIgnoreCase))
            return ListingFormat.Xml;
        return ListingFormat.Plain;
    }

    public static string ContentType(ListingFormat format) => format switch
    {
        ListingFormat.Json => "application/json; charset=utf-8",
        ListingFormat.Xml => "application/xml; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };
}
