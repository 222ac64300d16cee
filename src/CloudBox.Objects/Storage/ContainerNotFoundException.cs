namespace CloudBox.Objects.Storage;

public sealed class ContainerNotFoundException(string container) : Exception($"Container '{container}' does not exist.");
