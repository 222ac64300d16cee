namespace CloudBox.Orchestration.Resources;

/// <summary>A resource action failed; the message becomes the resource's and the stack's status reason.</summary>
internal sealed class ResourceFailure(string message) : Exception(message);
