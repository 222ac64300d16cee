namespace CloudBox.Objects.Storage;

/// <summary>One blob of an object's bytes, in order. A plain PUT has one; a completed multipart upload one per part.</summary>
public sealed record ObjectPart(string BlobId, long Size);
