using System.Text.Json;
using CloudBox.Core.Data;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Data;

/// <summary>
/// "column is one of these ids" as one SQL parameter: a JSON array read by <c>json_each</c> on SQLite,
/// an array with <c>= ANY</c> on PostgreSQL. Dapper's list expansion binds one parameter per id, and
/// SQLite resolves each bound name by a linear search, so a 1,000-id list cost quadratic time.
/// </summary>
internal static class IdList
{
    /// <summary>The condition on <paramref name="column"/> with the list in parameter <paramref name="parameter"/>.</summary>
    public static string Where(Database database, string column, string parameter) =>
        database.Engine == DatabaseEngine.Postgres ? $"{column} = ANY(@{parameter})" : $"{column} IN (SELECT value FROM json_each(@{parameter}))";

    /// <summary>The parameter's value for <see cref="Where"/>.</summary>
    public static object Value(Database database, IEnumerable<string> ids)
    {
        var array = ids as string[] ?? ids.ToArray();
        return database.Engine == DatabaseEngine.Postgres ? array : JsonSerializer.Serialize(array, Ec2JsonContext.Default.StringArray);
    }
}
