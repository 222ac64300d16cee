using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>Picks a listing's format from the request and names its content type.</summary>
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
