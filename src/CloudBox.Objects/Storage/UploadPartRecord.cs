namespace CloudBox.Objects.Storage;

public sealed class UploadPartRecord
{
    public string UploadId { get; set; } = "";
    public int PartNumber { get; set; }
    public string BlobId { get; set; } = "";
    public long Size { get; set; }
    public string Etag { get; set; } = "";
    public string LastModified { get; set; } = "";
}
