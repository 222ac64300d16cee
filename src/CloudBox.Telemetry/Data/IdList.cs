using System.Text.Json;
using CloudBox.Core.Data;

namespace CloudBox.Telemetry.Data;

/// <summary>
/// A list of text ids as one SQL parameter, for queries naming hundreds of metrics or resources:
/// PostgreSQL's <c>= ANY(array)</c>; on SQLite <c>IN</c> over <c>json_each</c> of a JSON array. An
/// <c>IN @ids</c> list expands to one parameter per id, and Microsoft.Data.Sqlite binds each by
/// name with a linear search of the statement's parameters (quadratic: most of an aggregate over
/// 1,000 resources went there).
/// </summary>
internal static class IdList
{
    /// <summary>The condition <paramref name="column"/> is one of the ids in <paramref name="parameter"/> (given by <see cref="Value"/>).</summary>
    public static string Sql(Database database, string column, string parameter) =>
        database.Engine == DatabaseEngine.Postgres
            ? $"{column} = ANY(@{parameter})"
            : $"{column} IN (SELECT value FROM json_each(@{parameter}))";

    /// <summary>The parameter's value: an array for PostgreSQL, its JSON text for SQLite.</summary>
    public static object Value(Database database, IEnumerable<string> ids) =>
        database.Engine == DatabaseEngine.Postgres
            ? ids.ToArray()
            : JsonSerializer.Serialize(ids.ToList(), TelemetryJsonContext.Default.ListString);
}
