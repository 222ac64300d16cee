namespace CloudBox.Objects.Storage;

/// <summary>The body ended before (or went past) the announced Content-Length: nothing is stored.</summary>
public sealed class IncompleteBodyException(long expected, long received)
    : Exception($"Expected {expected} bytes of body, received {received}.");
