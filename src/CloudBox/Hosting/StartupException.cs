namespace CloudBox.Hosting;

/// <summary>
/// An environment or configuration problem found while starting: printed as one line
/// (<c>cloudbox: what, the setting and the fix</c>) with exit code 1, never as a stack trace.
/// </summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
