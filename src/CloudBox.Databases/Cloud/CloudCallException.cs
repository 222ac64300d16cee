namespace CloudBox.Databases.Cloud;

/// <summary>Another service refused a call the Databases module made for a user: its status and its own message.</summary>
internal sealed class CloudCallException(int statusCode, string service, string message)
    : Exception($"{service} answered {statusCode}: {message}")
{
    public int StatusCode { get; } = statusCode;
    public string ServiceMessage { get; } = message;
}
