using System.Globalization;
using System.Text;
using CloudBox.Core.Api.Aws;

namespace CloudBox.Ec2.Api;

/// <summary>
/// The parameters of one EC2 Query request (form body of a POST, or the query of a GET):
/// <c>Action</c>, <c>Version</c> and the action's flattened members (<c>InstanceId.1</c>,
/// <c>Filter.1.Value.2</c>…). Every numbered list is read up to a bound, never past it.
/// </summary>
internal sealed class Ec2Request
{
    /// <summary>The most members any list parameter may have.</summary>
    public const int MaxListMembers = 1000;

    private readonly Dictionary<string, string> _parameters;

    public Ec2Request(Dictionary<string, string> parameters)
    {
        _parameters = parameters;
        Action = Get("Action") ?? "";
    }

    public string Action { get; }

    public IReadOnlyDictionary<string, string> Parameters => _parameters;

    /// <summary>Form or query text (<c>a=b&amp;c=d</c>, <c>+</c> is a space) as parameters; the first of a repeated name wins.</summary>
    public static Dictionary<string, string> ParseForm(string text, Dictionary<string, string>? into = null)
    {
        var parameters = into ?? new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            var name = Decode(equals < 0 ? part : part[..equals]);
            var value = equals < 0 ? "" : Decode(part[(equals + 1)..]);
            parameters.TryAdd(name, value);
        }
        return parameters;
    }

    private static string Decode(string value) => SigV4Encoding.Decode(value.Replace('+', ' '));

    public string? Get(string name) => _parameters.TryGetValue(name, out var value) ? value : null;

    public string Require(string name) => Get(name) is { Length: > 0 } value ? value : throw Ec2Error.MissingParameter(name);

    public int Int(string name, int fallback, int min, int max)
    {
        if (Get(name) is not { } text)
            return fallback;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw Ec2Error.InvalidParameterValue($"Value ({text}) for parameter {name} is invalid. Expected an integer from {min} to {max}.");
        return value;
    }

    public bool? Bool(string name) => Get(name) switch
    {
        null => null,
        var text when text.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
        var text when text.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
        var text => throw Ec2Error.InvalidParameterValue($"Value ({text}) for parameter {name} is invalid. Expected 'true' or 'false'."),
    };

    /// <summary>The members <c>prefix.1</c>, <c>prefix.2</c>… in order (numbering starts at 1 and has no gaps).</summary>
    public List<string> List(string prefix)
    {
        var values = new List<string>();
        for (var i = 1; ; i++)
        {
            if (Get($"{prefix}.{i}") is not { } value)
                break;
            if (values.Count == MaxListMembers)
                throw Ec2Error.InvalidParameterValue($"The parameter {prefix} has more than {MaxListMembers} members.");
            values.Add(value);
        }
        return values;
    }

    /// <summary>The indexes n for which some <c>prefix.n.*</c> parameter exists, ascending, bounded.</summary>
    public List<int> Indexes(string prefix)
    {
        var indexes = new SortedSet<int>();
        var head = prefix + ".";
        foreach (var name in _parameters.Keys)
        {
            if (!name.StartsWith(head, StringComparison.Ordinal))
                continue;
            var rest = name.AsSpan(head.Length);
            var dot = rest.IndexOf('.');
            if (int.TryParse(dot < 0 ? rest : rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index > 0)
            {
                indexes.Add(index);
                if (indexes.Count > MaxListMembers)
                    throw Ec2Error.InvalidParameterValue($"The parameter {prefix} has more than {MaxListMembers} members.");
            }
        }
        return [.. indexes];
    }

    /// <summary><c>Filter.n.Name</c> with its <c>Filter.n.Value.m</c>.</summary>
    public List<Ec2Filter> Filters()
    {
        var filters = new List<Ec2Filter>();
        foreach (var index in Indexes("Filter"))
        {
            var name = Get($"Filter.{index}.Name") ?? throw Ec2Error.MissingParameter($"Filter.{index}.Name");
            filters.Add(new Ec2Filter(name, List($"Filter.{index}.Value")));
        }
        return filters;
    }

    /// <summary><c>prefix.n.Key</c>/<c>prefix.n.Value</c> pairs (tags).</summary>
    public List<KeyValuePair<string, string>> Tags(string prefix)
    {
        var tags = new List<KeyValuePair<string, string>>();
        foreach (var index in Indexes(prefix))
        {
            var key = Get($"{prefix}.{index}.Key") ?? throw Ec2Error.MissingParameter($"{prefix}.{index}.Key");
            tags.Add(new(key, Get($"{prefix}.{index}.Value") ?? ""));
        }
        return tags;
    }

    /// <summary>A stable digest of the parameters (ClientToken idempotency compares requests by it).</summary>
    public string Digest(params string[] ignored)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in _parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (Array.IndexOf(ignored, name) < 0)
                builder.Append(name).Append('=').Append(value).Append('\n');
        }
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }
}
