using System.Net;

namespace CloudBox.Core.Api;

/// <summary>
/// An error to answer the client with, in the calling service's own fault format. Thrown from
/// anywhere in a request; the fault middleware turns it into the response.
/// </summary>
public class ApiFault(int statusCode, string message, string? title = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>Short reason (Keystone's <c>title</c>); the HTTP reason phrase when not given.</summary>
    public string Title { get; } = title ?? ReasonPhrase(statusCode);

    /// <summary>Extra response headers, e.g. <c>Retry-After</c> or <c>WWW-Authenticate</c>.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public static ApiFault BadRequest(string message) => new(400, message);
    public static ApiFault Unauthorized(string message = "The request you have made requires authentication.") => new(401, message);
    public static ApiFault Forbidden(string message) => new(403, message);
    public static ApiFault NotFound(string message) => new(404, message);
    public static ApiFault MethodNotAllowed(string message = "The method is not allowed for the requested URL.") => new(405, message);
    public static ApiFault Conflict(string message) => new(409, message);
    public static ApiFault RequestTooLarge(string message = "Request Entity Too Large") => new(413, message);
    public static ApiFault UnsupportedMediaType(string message) => new(415, message);

    public static string ReasonPhrase(int statusCode) => statusCode switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => ((HttpStatusCode)statusCode).ToString(),
    };
}
