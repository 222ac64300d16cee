namespace CloudBox.Telemetry.Indexer;

/// <summary>Which archive policy a metric created without one gets: the rule with the longest matching pattern.</summary>
internal sealed record ArchivePolicyRule(string Name, string MetricPattern, string ArchivePolicyName)
{
    /// <summary>Shell-style match (<c>*</c>, <c>?</c>) as Python's fnmatch.</summary>
    public static bool Matches(string pattern, string name)
    {
        int p = 0, n = 0, star = -1, mark = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n]))
            {
                p++;
                n++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = n;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++mark;
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
