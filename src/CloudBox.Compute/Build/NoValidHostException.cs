namespace CloudBox.Compute.Build;

/// <summary>
/// No host can take the server (e.g. its anti-affinity group already has its members on every
/// host). The build ends in ERROR with Nova's fault message, as a server Nova cannot schedule does.
/// </summary>
public sealed class NoValidHostException(string reason = "There are not enough hosts available.") : Exception($"No valid host was found. {reason}");
