using System.Text.RegularExpressions;
using CloudBox.Core.Api;
using CloudBox.Databases.Api;

namespace CloudBox.Databases.Instances;

/// <summary>What the Database API accepts as database and user names and passwords, checked before any of it reaches an agent.</summary>
internal static partial class DatastoreNames
{
    public const int MaxItems = 100;

    private static readonly HashSet<string> ReservedDatabases = new(StringComparer.OrdinalIgnoreCase)
        { "postgres", "template0", "template1", "mysql", "information_schema", "performance_schema", "sys" };

    private static readonly HashSet<string> ReservedUsers = new(StringComparer.OrdinalIgnoreCase)
        { "postgres", "root", "os_admin", "mysql", "mariadb.sys" };

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$")]
    private static partial Regex NamePattern();

    public static string Database(string? name)
    {
        if (name is null || !NamePattern().IsMatch(name))
            throw ApiFault.BadRequest($"'{name}' is not a valid database name: use 1 to 63 letters, digits, '_' and '-'.");
        if (ReservedDatabases.Contains(name))
            throw ApiFault.BadRequest($"Database name '{name}' is reserved.");
        return name;
    }

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}$")]
    private static partial Regex CharsetPattern();

    /// <summary>A database's character set or collation (MariaDB uses them; PostgreSQL's databases are UTF-8): a bare name, or none.</summary>
    private static string? Charset(string? value, string what)
    {
        if (value is null)
            return null;
        if (!CharsetPattern().IsMatch(value))
            throw ApiFault.BadRequest($"'{value}' is not a valid {what}: use 1 to 64 letters, digits and '_'.");
        return value;
    }

    public static string User(string? name)
    {
        if (name is null || !NamePattern().IsMatch(name))
            throw ApiFault.BadRequest($"'{name}' is not a valid user name: use 1 to 63 letters, digits, '_' and '-'.");
        if (ReservedUsers.Contains(name))
            throw ApiFault.BadRequest($"User name '{name}' is reserved.");
        return name;
    }

    public static string Password(string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length > 128 || password.Any(char.IsControl))
            throw ApiFault.BadRequest("A password of 1 to 128 printable characters is required.");
        return password;
    }

    public static IReadOnlyList<DatabaseRef> Databases(IReadOnlyList<DatabaseRef>? databases)
    {
        if (databases is null)
            return [];
        if (databases.Count > MaxItems)
            throw ApiFault.BadRequest($"At most {MaxItems} databases may be given in one request.");
        return databases.Select(d => new DatabaseRef(Database(d?.Name), Charset(d?.CharacterSet, "character_set"), Charset(d?.Collate, "collate")))
            .DistinctBy(d => d.Name).ToList();
    }

    public static IReadOnlyList<UserRef> Users(IReadOnlyList<UserRef>? users)
    {
        if (users is null)
            return [];
        if (users.Count > MaxItems)
            throw ApiFault.BadRequest($"At most {MaxItems} users may be given in one request.");
        var checkedUsers = new List<UserRef>(users.Count);
        foreach (var user in users)
        {
            if (user is null)
                throw ApiFault.BadRequest("A user must be an object with a name and a password.");
            if (user.Host is not null and not "%")
                throw ApiFault.BadRequest("Users may only be created for host '%' (any host).");
            checkedUsers.Add(new UserRef(User(user.Name), Password(user.Password), "%", Databases(user.Databases)));
        }
        if (checkedUsers.Select(u => u.Name).Distinct().Count() != checkedUsers.Count)
            throw ApiFault.BadRequest("A user name is given twice.");
        return checkedUsers;
    }
}
