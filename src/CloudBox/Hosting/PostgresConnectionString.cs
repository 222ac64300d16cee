using Npgsql;

namespace CloudBox.Hosting;

/// <summary>
/// The <c>--database</c> setting: Npgsql's keyword form (<c>Host=…;Username=…</c>) or the libpq URL
/// form (<c>postgresql://user:password@host:port/db?sslmode=require</c>), settled to the keyword form.
/// </summary>
internal static class PostgresConnectionString
{
    private const string Example = "use 'Host=HOST;Username=USER;Password=PASSWORD;Database=DB' or postgresql://USER:PASSWORD@HOST:5432/DB";

    public static string Normalize(string value)
    {
        if (value.Length == 0)
            return value;
        var builder = value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            ? FromUrl(value)
            : FromKeywords(value);
        if (string.IsNullOrEmpty(builder.Host))
            throw new OptionsException($"--database names no host, {Example}");
        return builder.ConnectionString;
    }

    private static NpgsqlConnectionStringBuilder FromKeywords(string value)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(value);
        }
        catch (Exception error) when (error is ArgumentException or FormatException or KeyNotFoundException)
        {
            throw new OptionsException($"--database is not a valid PostgreSQL connection string ({error.Message.ReplaceLineEndings(" ")}), {Example}");
        }
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            throw new OptionsException($"--database '{Redact(value)}' is not a valid postgresql:// URL, {Example}");
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host };
        if (!uri.IsDefaultPort && uri.Port > 0)
            builder.Port = uri.Port;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
            builder.Database = database;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var parameter = Uri.UnescapeDataString(equals < 0 ? "" : pair[(equals + 1)..]);
            try
            {
                builder[key switch
                {
                    "sslmode" => "SSL Mode",
                    "connect_timeout" => "Timeout",
                    "application_name" => "Application Name",
                    _ => key,
                }] = key == "sslmode" ? SslMode(parameter) : parameter;
            }
            catch (Exception error) when (error is ArgumentException or FormatException or KeyNotFoundException)
            {
                throw new OptionsException($"--database URL parameter '{key}' is not understood ({error.Message.ReplaceLineEndings(" ")}), {Example}");
            }
        }
        return builder;
    }

    private static string SslMode(string libpq) => libpq switch
    {
        "disable" => "Disable",
        "allow" => "Allow",
        "prefer" => "Prefer",
        "require" => "Require",
        "verify-ca" => "VerifyCA",
        "verify-full" => "VerifyFull",
        _ => libpq,
    };

    /// <summary>The connection string without its password, for messages.</summary>
    public static string Redact(string value)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.UserInfo.Contains(':', StringComparison.Ordinal))
            return value.Replace(uri.UserInfo, uri.UserInfo[..uri.UserInfo.IndexOf(':', StringComparison.Ordinal)] + ":***", StringComparison.Ordinal);
        return value;
    }
}
