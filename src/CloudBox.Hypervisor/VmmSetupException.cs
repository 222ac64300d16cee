namespace CloudBox.Hypervisor;

/// <summary>The machine cannot be built (no KVM, unreadable kernel, bad disk, tap not openable); the message is the one error line.</summary>
public sealed class VmmSetupException(string message, Exception? inner = null) : Exception(message, inner)
{
}
