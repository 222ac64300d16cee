namespace CloudBox.Orchestration.Resources;

/// <summary>One property of a resource type, as <c>resource type show</c> describes it and the engine checks it.</summary>
internal sealed record PropertySchema(string Type, bool Required = false, bool UpdateAllowed = false, string Description = "", object? Default = null);
