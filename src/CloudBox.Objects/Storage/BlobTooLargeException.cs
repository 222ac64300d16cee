namespace CloudBox.Objects.Storage;

public sealed class BlobTooLargeException(long limit) : Exception($"The body is larger than {limit} bytes.")
{
    public long Limit { get; } = limit;
}
