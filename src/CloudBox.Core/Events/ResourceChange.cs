namespace CloudBox.Core.Events;

/// <summary>What happened to a resource.</summary>
public enum ResourceChange
{
    Created,
    Updated,
    Deleted,
}
