using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using CloudBox.Core.Configuration;

namespace CloudBox.Hosting;

/// <summary>
/// Settles <see cref="CloudBoxOptions"/> from, in rising precedence: built-in defaults,
/// <c>/etc/cloudbox/cloudbox.json</c> (or <c>--config</c>), <c>CLOUDBOX_*</c> environment
/// variables, then command-line flags.
/// </summary>
public static class OptionsLoader
{
    public const string DefaultConfigFile = "/etc/cloudbox/cloudbox.json";

    /// <summary>Every setting: its flag, environment variable, JSON key, what <c>cloudbox help</c> says of it, and how it applies.</summary>
    internal static readonly (string Flag, string Env, string Json, string Help, Action<CloudBoxOptions, string> Apply)[] Settings =
    [
        ("--data-dir", "CLOUDBOX_DATA_DIR", "data_dir", "DIR: where CloudBox keeps its state: database, keys, images, volumes, objects (default /var/lib/cloudbox)", (o, v) => o.DataDirectory = v),
        ("--listen", "CLOUDBOX_LISTEN", "listen", "URL: where the OpenStack APIs listen (default http://0.0.0.0:8080)", (o, v) => o.ListenUrl = v),
        ("--public-url", "CLOUDBOX_PUBLIC_URL", "public_url", "URL: the base URL the catalog publishes (default: from --listen, a wildcard host replaced by this host's address)", (o, v) => o.PublicUrl = v),
        ("--database", "CLOUDBOX_DATABASE", "database", "CONN: PostgreSQL, as 'Host=…;Username=…;Password=…;Database=…' or postgresql://user:password@host:port/db (default: SQLite in the data dir)", (o, v) => o.Database = v),
        ("--database-wait", "CLOUDBOX_DATABASE_WAIT", "database_wait", "SECONDS: how long start-up retries a PostgreSQL that refuses connections (default 60)", (o, v) => o.DatabaseWait = ParseSeconds("--database-wait", v)),
        ("--s3-listen", "CLOUDBOX_S3_LISTEN", "s3_listen", "URL: where the S3 API listens (default: the host of --listen, port 8081)", (o, v) => o.S3ListenUrl = v),
        ("--s3-public-url", "CLOUDBOX_S3_PUBLIC_URL", "s3_public_url", "URL: the S3 base URL the catalog publishes (default: from --s3-listen)", (o, v) => o.S3PublicUrl = v),
        ("--ec2-listen", "CLOUDBOX_EC2_LISTEN", "ec2_listen", "URL: where the EC2 API listens (default: the host of --listen, port 8788)", (o, v) => o.Ec2ListenUrl = v),
        ("--metrics-listen", "CLOUDBOX_METRICS_LISTEN", "metrics_listen", "URL or HOST:PORT: a listener serving only Prometheus' /metrics, with no token (default: none; /metrics on --listen is admin-only)", (o, v) => o.MetricsListenUrl = v),
        ("--region", "CLOUDBOX_REGION", "region", "NAME: the region in the catalog (default RegionOne)", (o, v) => o.RegionName = v),
        ("--policy-file", "CLOUDBOX_POLICY_FILE", "policy_file", "FILE: oslo.policy-style JSON rules overriding the defaults", (o, v) => o.PolicyFile = v),
        ("--admin-password", "CLOUDBOX_ADMIN_PASSWORD", "admin_password", "PASSWORD: the admin password set when the cloud is first created (default: generated, in admin-openrc.sh)", (o, v) => o.AdminPassword = v),
        ("--tls-cert", "CLOUDBOX_TLS_CERT", "tls_cert", "FILE: PEM certificate (and chain) for https:// listeners; reloaded on SIGHUP or when it changes", (o, v) => o.TlsCertificateFile = v),
        ("--tls-key", "CLOUDBOX_TLS_KEY", "tls_key", "FILE: PEM private key of --tls-cert", (o, v) => o.TlsKeyFile = v),
        ("--tls-self-signed", "CLOUDBOX_TLS_SELF_SIGNED", "tls_self_signed", "true|false: with https:// and no --tls-cert, make a self-signed certificate in DATA/tls on first start (default false)", (o, v) => o.TlsSelfSigned = ParseBool("--tls-self-signed", v)),
        ("--log-format", "CLOUDBOX_LOG_FORMAT", "log_format", "text|json: the format of the log on stderr (default text; systemd's format under systemd)", (o, v) => o.LogFormat = v),
        ("--image-import-allowed-schemes", "CLOUDBOX_IMAGE_IMPORT_ALLOWED_SCHEMES", "image_import_allowed_schemes", "LIST: URL schemes image web-download may use (default http,https)", (o, v) => o.ImageImportAllowedSchemes = v),
        ("--image-import-allowed-ports", "CLOUDBOX_IMAGE_IMPORT_ALLOWED_PORTS", "image_import_allowed_ports", "LIST: ports image web-download may use; empty allows any (default 80,443)", (o, v) => o.ImageImportAllowedPorts = v),
        ("--image-import-allowed-hosts", "CLOUDBOX_IMAGE_IMPORT_ALLOWED_HOSTS", "image_import_allowed_hosts", "LIST: hosts, addresses or CIDRs web-download may reach even when loopback, private or link-local (default none)", (o, v) => o.ImageImportAllowedHosts = v),
        ("--image-import-disallowed-hosts", "CLOUDBOX_IMAGE_IMPORT_DISALLOWED_HOSTS", "image_import_disallowed_hosts", "LIST: hosts web-download never reaches (default none)", (o, v) => o.ImageImportDisallowedHosts = v),
        ("--lockout-failure-attempts", "CLOUDBOX_LOCKOUT_FAILURE_ATTEMPTS", "lockout_failure_attempts", "N: failed password logins in a row that lock a user; 0 turns lockout off (default 0)", (o, v) => o.LockoutFailureAttempts = ParseCount("lockout_failure_attempts", v)),
        ("--lockout-duration", "CLOUDBOX_LOCKOUT_DURATION", "lockout_duration", "SECONDS: how long a locked user stays locked (default 1800)", (o, v) => o.LockoutDurationSeconds = ParseCount("lockout_duration", v)),
    ];

    private static TimeSpan ParseSeconds(string setting, string value) =>
        double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new OptionsException($"{setting} '{value}' is not a number of seconds");

    public static string FlagUsage => string.Join(" ", Settings.Select(s => $"[{s.Flag} VALUE]")) + " [--config FILE]";

    /// <summary>Loads options; flags it does not know are returned in <paramref name="rest"/>.</summary>
    public static CloudBoxOptions Load(IReadOnlyList<string> arguments, out List<string> rest)
    {
        var flags = ParseFlags(arguments, out rest);
        var options = new CloudBoxOptions();

        var configFile = flags.GetValueOrDefault("--config") ?? Environment.GetEnvironmentVariable("CLOUDBOX_CONFIG") ?? DefaultConfigFile;
        var explicitConfig = flags.ContainsKey("--config") || Environment.GetEnvironmentVariable("CLOUDBOX_CONFIG") is not null;
        if (File.Exists(configFile))
            ApplyJson(options, configFile);
        else if (explicitConfig)
            throw new OptionsException($"configuration file '{configFile}' does not exist");

        foreach (var setting in Settings)
        {
            if (Environment.GetEnvironmentVariable(setting.Env) is { Length: > 0 } value)
                setting.Apply(options, value);
        }
        foreach (var setting in Settings)
        {
            if (flags.TryGetValue(setting.Flag, out var value))
                setting.Apply(options, value);
        }

        options.DataDirectory = Path.GetFullPath(options.DataDirectory);
        ValidateListenUrl("--listen", options.ListenUrl);
        ValidateTls(options);
        // S3 listens where the APIs do (a loopback --listen keeps S3 on loopback too), on its own port.
        if (!IsSet("--s3-listen", "CLOUDBOX_S3_LISTEN", "s3_listen", flags, configFile))
            options.S3ListenUrl = new UriBuilder(options.ListenUrl) { Port = new Uri(options.S3ListenUrl).Port, Path = "" }.Uri.ToString().TrimEnd('/');
        if (options.LogFormat is not ("text" or "json"))
            throw new OptionsException($"--log-format '{options.LogFormat}' is neither text nor json");
        options.Database = PostgresConnectionString.Normalize(options.Database);
        if (options.PublicUrl.Length == 0)
            options.PublicUrl = DerivePublicUrl(options.ListenUrl);
        options.PublicUrl = options.PublicUrl.TrimEnd('/');
        ValidateListenUrl("--s3-listen", options.S3ListenUrl);
        if (options.S3PublicUrl.Length == 0)
            options.S3PublicUrl = DerivePublicUrl(options.S3ListenUrl);
        options.S3PublicUrl = options.S3PublicUrl.TrimEnd('/');
        if (options.Ec2ListenUrl.Length == 0)
        {
            var listen = new Uri(options.ListenUrl);
            options.Ec2ListenUrl = $"{listen.Scheme}://{(listen.HostNameType == UriHostNameType.IPv6 ? "[" + listen.Host.Trim('[', ']') + "]" : listen.Host)}:{CloudBoxOptions.DefaultEc2Port}";
        }
        ValidateListenUrl("--ec2-listen", options.Ec2ListenUrl);
        if (options.Ec2PublicUrl.Length == 0)
            options.Ec2PublicUrl = DerivePublicUrl(options.Ec2ListenUrl);
        options.Ec2PublicUrl = options.Ec2PublicUrl.TrimEnd('/');
        if (options.MetricsListenUrl.Length > 0)
        {
            // HOST:PORT, as Prometheus' own listen flags take it, is http://HOST:PORT.
            if (!options.MetricsListenUrl.Contains("://", StringComparison.Ordinal))
                options.MetricsListenUrl = "http://" + options.MetricsListenUrl;
            ValidateListenUrl("--metrics-listen", options.MetricsListenUrl);
            var metricsPort = new Uri(options.MetricsListenUrl).Port;
            foreach (var (setting, other) in new[] { ("--listen", options.ListenUrl), ("--s3-listen", options.S3ListenUrl), ("--ec2-listen", options.Ec2ListenUrl) })
            {
                if (new Uri(other).Port == metricsPort)
                    throw new OptionsException($"--metrics-listen '{options.MetricsListenUrl}' uses the port of {setting}; give it a port of its own");
            }
        }
        return options;
    }

    private static Dictionary<string, string> ParseFlags(IReadOnlyList<string> arguments, out List<string> rest)
    {
        var known = new HashSet<string>(Settings.Select(s => s.Flag)) { "--config" };
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        rest = [];
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? argument[..equals] : argument;
            if (!known.Contains(name))
            {
                rest.Add(argument);
                continue;
            }
            if (equals > 0)
                flags[name] = argument[(equals + 1)..];
            else if (i + 1 < arguments.Count)
                flags[name] = arguments[++i];
            else
                throw new OptionsException($"option {name} needs a value");
        }
        return flags;
    }

    private static void ApplyJson(CloudBoxOptions options, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException error)
        {
            throw new OptionsException($"configuration file '{path}' is not valid JSON: {error.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new OptionsException($"configuration file '{path}' must hold a JSON object");
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var setting = Array.Find(Settings, s => s.Json == property.Name);
                if (setting.Json is null)
                    throw new OptionsException($"configuration file '{path}': unknown setting '{property.Name}' (known: {string.Join(", ", Settings.Select(s => s.Json))})");
                setting.Apply(options, property.Value.ToString());
            }
        }
    }

    private static int ParseCount(string name, string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new OptionsException($"{name} must be a whole number, not '{value}'");

    private static void ValidateListenUrl(string setting, string listen)
    {
        if (!Uri.TryCreate(listen, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new OptionsException($"{setting} '{listen}' is not an http:// or https:// URL, e.g. http://0.0.0.0:8080");
    }

    /// <summary>An https:// --listen needs a certificate: --tls-cert with --tls-key, or --tls-self-signed.</summary>
    private static void ValidateTls(CloudBoxOptions options)
    {
        if ((options.TlsCertificateFile.Length > 0) != (options.TlsKeyFile.Length > 0))
            throw new OptionsException("--tls-cert and --tls-key go together, set both (PEM files) or neither");
        if (options.TlsCertificateFile.Length > 0)
        {
            options.TlsCertificateFile = Path.GetFullPath(options.TlsCertificateFile);
            options.TlsKeyFile = Path.GetFullPath(options.TlsKeyFile);
            foreach (var (setting, file) in new[] { ("--tls-cert", options.TlsCertificateFile), ("--tls-key", options.TlsKeyFile) })
                if (!File.Exists(file))
                    throw new OptionsException($"{setting} {file} does not exist, set {setting} to a PEM file");
        }
        if (new Uri(options.ListenUrl).Scheme == "https" && options.TlsCertificateFile.Length == 0 && !options.TlsSelfSigned)
            throw new OptionsException($"--listen '{options.ListenUrl}' is https:// but there is no certificate, set --tls-cert and --tls-key (PEM) or --tls-self-signed true");
    }

    private static bool ParseBool(string setting, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new OptionsException($"{setting} '{value}' is neither true nor false"),
    };

    private static bool IsSet(string flag, string env, string json, Dictionary<string, string> flags, string configFile)
    {
        if (flags.ContainsKey(flag) || Environment.GetEnvironmentVariable(env) is { Length: > 0 })
            return true;
        if (!File.Exists(configFile))
            return false;
        using var document = JsonDocument.Parse(File.ReadAllText(configFile));
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(json, out _);
    }

    /// <summary>
    /// The catalog must name an address clients can reach; a wildcard listen address is replaced by
    /// this host's first up, non-loopback IPv4 address (loopback when there is none).
    /// </summary>
    private static string DerivePublicUrl(string listen)
    {
        var uri = new Uri(listen);
        var host = uri.Host;
        if (host is "0.0.0.0" or "[::]" or "::" or "*" or "+")
            host = FirstHostAddress() ?? "127.0.0.1";
        return $"{uri.Scheme}://{host}:{uri.Port}";
    }

    private static string? FirstHostAddress()
    {
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
                continue;
            foreach (var address in nic.GetIPProperties().UnicastAddresses)
            {
                if (address.Address.AddressFamily == AddressFamily.InterNetwork)
                    return address.Address.ToString();
            }
        }
        return null;
    }
}
