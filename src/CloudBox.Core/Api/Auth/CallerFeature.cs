namespace CloudBox.Core.Api.Auth;

/// <summary>The outcome of token validation for one request.</summary>
public sealed record CallerFeature(CallerContext? Caller, bool TokenPresented);
