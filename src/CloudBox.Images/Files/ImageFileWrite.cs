namespace CloudBox.Images.Files;

/// <summary>Image data written to a temporary file and fsynced, not yet in place: its size and digests.</summary>
public sealed record ImageFileWrite(string TemporaryPath, long Size, string Md5, string Sha512);
