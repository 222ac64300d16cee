namespace CloudBox.Images.Members;

/// <summary>A project an image is shared with, and whether it accepted the share.</summary>
public sealed record MemberRecord(string ImageId, string MemberId, string Status, string CreatedAt, string UpdatedAt);
