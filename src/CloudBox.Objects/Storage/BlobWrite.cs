namespace CloudBox.Objects.Storage;

/// <summary>
/// A blob ready to be referenced: either durably on disk (renamed into place, fsynced) or, for a
/// small body, held in <paramref name="InlineData"/> to be stored in its database row by the same
/// commit that makes the object visible.
/// </summary>
public sealed record BlobWrite(string BlobId, long Size, string Md5Hex, byte[]? InlineData = null);
