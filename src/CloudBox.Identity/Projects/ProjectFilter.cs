namespace CloudBox.Identity.Projects;

public sealed record ProjectFilter(
    string? Name = null,
    string? DomainId = null,
    string? ParentId = null,
    bool? Enabled = null,
    IReadOnlyList<string>? Ids = null,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyList<string>? TagsAny = null);
