namespace CloudBox.Core.Api.Auth;

public sealed record RoleReference(string Id, string Name);
