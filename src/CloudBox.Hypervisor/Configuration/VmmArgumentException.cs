namespace CloudBox.Hypervisor.Configuration;

/// <summary>A bad command line or configuration file; its message is printed as the one error line.</summary>
public sealed class VmmArgumentException(string message) : Exception(message)
{
}
