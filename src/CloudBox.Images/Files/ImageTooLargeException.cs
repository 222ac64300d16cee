namespace CloudBox.Images.Files;

public sealed class ImageTooLargeException(long limit) : Exception($"The image is larger than the limit of {limit} bytes.")
{
    public long Limit { get; } = limit;
}
