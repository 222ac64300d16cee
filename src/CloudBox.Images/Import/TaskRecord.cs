namespace CloudBox.Images.Import;

/// <summary>An import task: Glance's <c>api_image_import</c>, kept in the database so it survives a crash.</summary>
public sealed record TaskRecord(string Id, string ImageId, string Owner, string Type, string Status, string Input, string Message, string CreatedAt, string UpdatedAt);
