using CloudBox.Ec2.Api;

namespace CloudBox.Ec2.Actions;

/// <summary>The tag filters every Describe action takes: <c>tag:KEY</c>, <c>tag-key</c>, <c>tag-value</c>.</summary>
internal static class TagFilters
{
    /// <summary>True when the filter is a tag filter; then <paramref name="matches"/> says whether the tags pass it.</summary>
    public static bool TryMatch(Ec2Filter filter, IReadOnlyList<KeyValuePair<string, string>>? tags, out bool matches)
    {
        tags ??= [];
        if (filter.Name.StartsWith("tag:", StringComparison.Ordinal))
        {
            var key = filter.Name[4..];
            matches = tags.Any(t => t.Key == key && filter.Matches(t.Value));
            return true;
        }
        if (filter.Name == "tag-key")
        {
            matches = tags.Any(t => filter.Matches(t.Key));
            return true;
        }
        if (filter.Name == "tag-value")
        {
            matches = tags.Any(t => filter.Matches(t.Value));
            return true;
        }
        matches = false;
        return false;
    }

    /// <summary>
    /// Applies <paramref name="filters"/> to one resource: tag filters on its tags, the others through
    /// <paramref name="field"/> (the resource's values for a filter name; null for a name it does not know,
    /// which EC2 refuses).
    /// </summary>
    public static bool Passes(IReadOnlyList<Ec2Filter> filters, IReadOnlyList<KeyValuePair<string, string>>? tags, Func<string, IEnumerable<string?>?> field)
    {
        foreach (var filter in filters)
        {
            if (TryMatch(filter, tags, out var matches))
            {
                if (!matches)
                    return false;
                continue;
            }
            var values = field(filter.Name) ?? throw Ec2Error.InvalidParameterValue($"The filter '{filter.Name}' is invalid");
            if (!values.Any(filter.Matches))
                return false;
        }
        return true;
    }

    /// <summary>Refuses unknown filter names up front, before any work (tag filters are always known).</summary>
    public static void Check(IReadOnlyList<Ec2Filter> filters, params string[] known)
    {
        foreach (var filter in filters)
        {
            if (!filter.Name.StartsWith("tag:", StringComparison.Ordinal) && filter.Name is not ("tag-key" or "tag-value") && Array.IndexOf(known, filter.Name) < 0)
                throw Ec2Error.InvalidParameterValue($"The filter '{filter.Name}' is invalid");
        }
    }
}
