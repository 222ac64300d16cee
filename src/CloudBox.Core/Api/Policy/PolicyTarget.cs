namespace CloudBox.Core.Api.Policy;

/// <summary>
/// The attributes of the thing an action touches, by the dotted names rules refer to
/// (<c>target.project.id</c>, <c>target.user.domain_id</c>…). Missing names never match.
/// </summary>
public sealed class PolicyTarget
{
    public static readonly PolicyTarget Empty = new();

    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public PolicyTarget Set(string name, string? value)
    {
        _values[name] = value;
        return this;
    }

    public bool TryGet(string name, out string? value) => _values.TryGetValue(name, out value);
}
