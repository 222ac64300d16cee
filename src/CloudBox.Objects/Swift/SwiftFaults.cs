using CloudBox.Core.Api;

namespace CloudBox.Objects.Swift;

/// <summary>Swift's errors with the wording its proxy answers them with.</summary>
internal static class SwiftFaults
{
    public static ApiFault BadRequest(string message) => new(400, message);
    public static ApiFault Unauthorized() => new(401, "This server could not verify that you are authorized to access the document you requested.");
    public static ApiFault Forbidden() => new(403, "Access was denied to this resource.");
    public static ApiFault NotFound() => new(404, "The resource could not be found.");
    public static ApiFault MethodNotAllowed() => new(405, "The method is not allowed for this resource.");
    public static ApiFault Conflict(string message = "There was a conflict when trying to complete your request.") => new(409, message);
    public static ApiFault LengthRequired() => new(411, "Missing Content-Length header.");
    public static ApiFault PreconditionFailed(string message = "A precondition for this request was not met.") => new(412, message);
    public static ApiFault TooLarge() => new(413, "The body of your request was too large for this server.");
    public static ApiFault RangeNotSatisfiable(long size)
    {
        var fault = new ApiFault(416, "The Range requested is not available.", "Requested Range Not Satisfiable");
        fault.Headers["Content-Range"] = $"bytes */{size}";
        return fault;
    }
    public static ApiFault Unprocessable() => new(422, "Unable to process the contained instructions", "Unprocessable Entity");
    public static ApiFault ClientDisconnect() => new(499, "The client disconnected during the request.", "Client Disconnect");
}
