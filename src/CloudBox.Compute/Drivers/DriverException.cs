namespace CloudBox.Compute.Drivers;

/// <summary>The hypervisor refused or failed an operation; the message is shown to users as the server's fault.</summary>
public sealed class DriverException(string message, Exception? inner = null) : Exception(message, inner);
