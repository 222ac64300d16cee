using CloudBox.Objects.Storage;

namespace CloudBox.Objects.Swift;

/// <summary>Bytes [Offset, Offset + Length) of one stored object, as one piece of what a GET returns.</summary>
internal sealed record ObjectPiece(ObjectRecord Record, long Offset, long Length);
