namespace CloudBox.Orchestration.Templates;

/// <summary>
/// One HOT version (<c>heat_template_version</c>): its date, its release alias, the functions its
/// templates may call and those its <c>conditions</c> may use. Each version has what the one before
/// had plus its additions, as in Heat.
/// </summary>
internal sealed record HotVersion(string Date, string? Alias, IReadOnlySet<string> Functions, IReadOnlySet<string> ConditionFunctions)
{
    public bool HasConditions => ConditionFunctions.Count > 0;

    public bool Supports(string function) => Functions.Contains(function);

    public static readonly IReadOnlyList<HotVersion> All = Build();

    /// <summary>Every function name any version knows (a key of one of these is a call, never data).</summary>
    public static readonly IReadOnlySet<string> AnyFunction = All.SelectMany(v => v.Functions).ToHashSet(StringComparer.Ordinal);

    public static HotVersion? Find(string? text)
    {
        if (text is null)
            return null;
        foreach (var version in All)
        {
            if (version.Date == text || version.Alias == text)
                return version;
        }
        return null;
    }

    private static List<HotVersion> Build()
    {
        var steps = new (string Date, string? Alias, string[] Add, string[] Conditions)[]
        {
            ("2013-05-23", null, ["get_param", "get_resource", "get_attr", "get_file", "str_replace"], []),
            ("2014-10-16", null, ["list_join", "resource_facade"], []),
            ("2015-04-30", null, ["digest", "repeat"], []),
            ("2015-10-15", null, ["str_split"], []),
            ("2016-04-08", null, ["map_merge"], []),
            ("2016-10-14", "newton", ["map_replace", "if", "equals", "not", "and", "or"], ["equals", "get_param", "not", "and", "or"]),
            ("2017-02-24", "ocata", ["filter", "str_replace_strict"], []),
            ("2017-09-01", "pike", ["make_url", "list_concat", "contains", "str_replace_vstrict"], ["contains"]),
            ("2018-03-02", "queens", ["list_concat_unique"], []),
            ("2018-08-31", "rocky", [], []),
            ("2021-04-16", "wallaby", [], ["if"]),
        };
        var versions = new List<HotVersion>();
        var functions = new HashSet<string>(StringComparer.Ordinal);
        var conditions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (date, alias, add, cond) in steps)
        {
            functions.UnionWith(add);
            conditions.UnionWith(cond);
            versions.Add(new HotVersion(date, alias, functions.ToHashSet(StringComparer.Ordinal), conditions.ToHashSet(StringComparer.Ordinal)));
        }
        return versions;
    }

    /// <summary>One line of <c>template_versions/…/functions</c>.</summary>
    public static string Describe(string function) => function switch
    {
        "get_param" => "A function for resolving parameter references.",
        "get_resource" => "A function for resolving resource references.",
        "get_attr" => "A function for resolving resource attributes.",
        "get_file" => "A function for including a file inline.",
        "str_replace" => "A function for performing string substitutions.",
        "str_replace_strict" => "A function for performing string substitutions; every key must be found.",
        "str_replace_vstrict" => "A function for performing string substitutions; keys must be found and values non-empty.",
        "list_join" => "A function for joining strings.",
        "resource_facade" => "A function for retrieving data in a parent provider template.",
        "digest" => "A function for performing digest operations.",
        "repeat" => "A function for iterating over a list of items.",
        "str_split" => "A function for splitting delimited strings into a list.",
        "map_merge" => "A function for merging maps.",
        "map_replace" => "A function for performing substitutions on maps.",
        "if" => "A function to return corresponding value based on condition evaluation.",
        "equals" => "A function for comparing whether two values are equal.",
        "not" => "A function that acts as a NOT operator on a condition.",
        "and" => "A function that acts as an AND operator on conditions.",
        "or" => "A function that acts as an OR operator on conditions.",
        "filter" => "A function for filtering out values from lists.",
        "make_url" => "A function for performing substitutions on maps.",
        "list_concat" => "A function for extending lists.",
        "list_concat_unique" => "A function for extending lists with unique items.",
        "contains" => "A function for checking whether specific value is in sequence.",
        _ => "",
    };
}
