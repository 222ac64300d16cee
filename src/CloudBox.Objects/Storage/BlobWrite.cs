namespace CloudBox.Objects.Storage;

/// <summary>A blob durably on disk (renamed into place, fsynced), not yet referenced by any object.</summary>
public sealed record BlobWrite(string BlobId, long Size, string Md5Hex);
