namespace CloudBox.Images.Import;

/// <summary>A web-download that may not, or could not, be made; its message is for the log, not the user.</summary>
internal sealed class WebDownloadException(string message) : Exception(message);
