namespace CloudBox.Compute.Build.BootFiles;

/// <summary>The disk, a partition table, a file system or a boot configuration is malformed or unsupported.</summary>
internal sealed class BootFormatException(string message) : Exception(message);
