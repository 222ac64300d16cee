using System.Globalization;
using System.Text.Json;
using CloudBox.Core.Api;
using CloudBox.Databases.Datastores;

namespace CloudBox.Databases.Configurations;

/// <summary>One parameter a configuration group may set: its type (integer, string, boolean, float), bounds, and whether the datastore must restart to take it.</summary>
internal sealed record ParameterSpec(string Name, string Type, long? Min, long? Max, bool RestartRequired);

/// <summary>
/// The parameters configuration groups may set, per datastore manager, in the datastore's own units
/// (PostgreSQL's shared_buffers in 8 kB pages, work_mem in kB, times in ms; MariaDB's sizes in bytes,
/// times in seconds), and the check of a group's values against them.
/// </summary>
internal static class ParameterSchema
{
    public const int MaxValues = 100;

    private static readonly IReadOnlyList<ParameterSpec> Postgres =
    [
        new("max_connections", "integer", 1, 10_000, true),
        new("shared_buffers", "integer", 16, 1_073_741_823, true),
        new("work_mem", "integer", 64, 2_147_483_647, false),
        new("maintenance_work_mem", "integer", 1024, 2_147_483_647, false),
        new("effective_cache_size", "integer", 1, 2_147_483_647, false),
        new("log_min_duration_statement", "integer", -1, 2_147_483_647, false),
        new("statement_timeout", "integer", 0, 2_147_483_647, false),
        new("idle_in_transaction_session_timeout", "integer", 0, 2_147_483_647, false),
        new("random_page_cost", "float", 0, 1_000_000, false),
        new("max_wal_size", "integer", 2, 2_147_483_647, false),
        new("log_statement", "string", null, null, false),
        new("autovacuum", "boolean", null, null, false),
    ];

    private static readonly IReadOnlyList<ParameterSpec> MariaDb =
    [
        new("max_connections", "integer", 10, 100_000, false),
        new("innodb_buffer_pool_size", "integer", 5_242_880, 68_719_476_736, true),
        new("max_allowed_packet", "integer", 1024, 1_073_741_824, false),
        new("wait_timeout", "integer", 1, 31_536_000, false),
        new("long_query_time", "float", 0, 31_536_000, false),
        new("slow_query_log", "boolean", null, null, false),
        new("innodb_log_file_size", "integer", 1_048_576, 549_755_813_888, true),
        new("table_open_cache", "integer", 1, 1_048_576, false),
        new("sort_buffer_size", "integer", 32_768, 4_294_967_295, false),
        new("character_set_server", "string", null, null, true),
    ];

    /// <summary>The parameters of a datastore manager, by name.</summary>
    public static IReadOnlyList<ParameterSpec> For(string manager) => manager switch
    {
        DatastoreManagers.PostgreSql => Postgres,
        _ when DatastoreManagers.IsMariaDb(manager) => MariaDb,
        _ => [],
    };

    /// <summary>
    /// <paramref name="values"/> checked against <paramref name="manager"/>'s parameters, each as the text
    /// the datastore's configuration file takes; a 400 naming the first bad one otherwise (nothing is stored then).
    /// </summary>
    public static SortedDictionary<string, string> Validate(string manager, JsonElement values)
    {
        if (values.ValueKind != JsonValueKind.Object)
            throw ApiFault.BadRequest("values must be an object of parameter names and values.");
        var specs = For(manager).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in values.EnumerateObject())
        {
            if (result.Count >= MaxValues)
                throw ApiFault.BadRequest($"A configuration group may set at most {MaxValues} parameters.");
            if (!specs.TryGetValue(property.Name, out var spec))
                throw ApiFault.BadRequest($"The configuration parameter {property.Name} is not supported for this datastore.");
            result[spec.Name] = Check(spec, property.Value);
        }
        return result;
    }

    private static string Check(ParameterSpec spec, JsonElement value)
    {
        switch (spec.Type)
        {
            case "integer":
                if (!(value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)) &&
                    !(value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number)))
                    throw ApiFault.BadRequest($"The value provided for the configuration parameter {spec.Name} is not of type integer.");
                InRange(spec, number);
                return number.ToString(CultureInfo.InvariantCulture);
            case "float":
                var real = double.NaN;
                var parsed = (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out real)) ||
                             (value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out real));
                if (!parsed || !double.IsFinite(real))
                    throw ApiFault.BadRequest($"The value provided for the configuration parameter {spec.Name} is not of type float.");
                if ((spec.Min is { } low && real < low) || (spec.Max is { } high && real > high))
                    throw ApiFault.BadRequest($"The value for the configuration parameter {spec.Name} must be from {spec.Min} to {spec.Max}.");
                return real.ToString("R", CultureInfo.InvariantCulture);
            case "boolean":
                bool flag;
                if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    flag = value.GetBoolean();
                else if (value.ValueKind == JsonValueKind.String && value.GetString()?.ToLowerInvariant() is { } text && text is "true" or "on" or "1" or "false" or "off" or "0")
                    flag = text is "true" or "on" or "1";
                else if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var bit) && bit is 0 or 1)
                    flag = bit == 1;
                else
                    throw ApiFault.BadRequest($"The value provided for the configuration parameter {spec.Name} is not of type boolean.");
                return flag ? "on" : "off";
            default:
                var s = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw ApiFault.BadRequest($"The value provided for the configuration parameter {spec.Name} is not of type string.");
                if (s.Length is 0 or > 255 || !s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ','))
                    throw ApiFault.BadRequest($"The value for the configuration parameter {spec.Name} must be 1 to 255 letters, digits, '_', '-', '.' or ','.");
                return s;
        }
    }

    private static void InRange(ParameterSpec spec, long number)
    {
        if ((spec.Min is { } low && number < low) || (spec.Max is { } high && number > high))
            throw ApiFault.BadRequest($"The value for the configuration parameter {spec.Name} must be from {spec.Min} to {spec.Max}.");
    }
}
