namespace CloudBox.Objects.Storage;

/// <summary>An S3 multipart upload in progress.</summary>
public sealed class UploadRecord
{
    public string UploadId { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string Container { get; set; } = "";
    public string Name { get; set; } = "";
    public string ContentType { get; set; } = "";
    public string Metadata { get; set; } = "{}";
    public string CreatedAt { get; set; } = "";
}
