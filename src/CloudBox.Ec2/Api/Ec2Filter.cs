namespace CloudBox.Ec2.Api;

/// <summary>One <c>Filter.n</c>: a name (<c>instance-state-name</c>, <c>tag:Name</c>…) and the values any of which matches.</summary>
internal sealed record Ec2Filter(string Name, IReadOnlyList<string> Values)
{
    /// <summary>True when <paramref name="value"/> matches one of the values (<c>*</c> and <c>?</c> are wildcards, as in EC2).</summary>
    public bool Matches(string? value)
    {
        if (value is null)
            return false;
        foreach (var pattern in Values)
        {
            if (Glob(pattern, value))
                return true;
        }
        return false;
    }

    private static bool Glob(string pattern, string value)
    {
        if (pattern.IndexOfAny(['*', '?']) < 0)
            return pattern == value;
        // Iterative wildcard match with one backtrack point: linear enough for bounded inputs.
        int p = 0, v = 0, star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == value[v]))
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }
}
