namespace CloudBox.Core.Configuration;

/// <summary>The settled configuration of one <c>cloudbox serve</c>.</summary>
public sealed class CloudBoxOptions
{
    public const string DefaultDataDirectory = "/var/lib/cloudbox";
    public const string DefaultListenUrl = "http://0.0.0.0:8080";

    /// <summary>Root of everything CloudBox writes: database, keys, blobs.</summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory;

    /// <summary>Where Kestrel listens.</summary>
    public string ListenUrl { get; set; } = DefaultListenUrl;

    /// <summary>The base URL clients reach us on; published in the catalog. Derived from the listen URL when empty.</summary>
    public string PublicUrl { get; set; } = "";

    /// <summary>Where the S3 API listens (its own port: S3 clients address buckets at the root of the URL).</summary>
    public string S3ListenUrl { get; set; } = "http://0.0.0.0:8081";

    /// <summary>The S3 base URL published in the catalog. Derived from <see cref="S3ListenUrl"/> when empty.</summary>
    public string S3PublicUrl { get; set; } = "";

    /// <summary>
    /// Where the EC2 Query API listens (its own port, as ec2-api had). Empty: port
    /// <see cref="DefaultEc2Port"/> on the host of <see cref="ListenUrl"/>.
    /// </summary>
    public string Ec2ListenUrl { get; set; } = "";

    /// <summary>The EC2 base URL published in the catalog. Derived from <see cref="Ec2ListenUrl"/> when empty.</summary>
    public string Ec2PublicUrl { get; set; } = "";

    public const int DefaultEc2Port = 8788;

    /// <summary>
    /// A listener serving only Prometheus' <c>/metrics</c>, without a token (for a scraper on a
    /// private address); empty: none, and <c>/metrics</c> is only on <see cref="ListenUrl"/>, admin-only.
    /// </summary>
    public string MetricsListenUrl { get; set; } = "";

    /// <summary>PostgreSQL connection string, or empty for the embedded SQLite database.</summary>
    public string Database { get; set; } = "";

    public string RegionName { get; set; } = "RegionOne";

    /// <summary>Admin password to set at first bootstrap; generated when empty.</summary>
    public string AdminPassword { get; set; } = "";

    /// <summary>
    /// True for <c>serve</c>: its public URLs are the truth, and the catalog follows them. False for
    /// <c>cloudbox admin</c>, which runs beside a serving cloud without knowing where it listens,
    /// and so must not rewrite the catalog (nor the openrc file) with a guessed URL.
    /// </summary>
    public bool PublishesEndpoints { get; set; } = true;

    /// <summary>Optional oslo.policy-style JSON file overriding default rules.</summary>
    public string PolicyFile { get; set; } = "";

    /// <summary>
    /// Image web-download filters, after Glance's <c>import_filtering_opts</c> (comma-separated):
    /// the schemes and ports a URL may use (an empty port list allows any port), hosts allowed even
    /// when they resolve to loopback, private, link-local or metadata addresses (which are refused
    /// otherwise; an entry may be a name, an address or a CIDR), and hosts always refused.
    /// </summary>
    public string ImageImportAllowedSchemes { get; set; } = "http,https";

    public string ImageImportAllowedPorts { get; set; } = "80,443";

    public string ImageImportAllowedHosts { get; set; } = "";

    public string ImageImportDisallowedHosts { get; set; } = "";

    /// <summary>Keystone's <c>lockout_failure_attempts</c>: failed password logins in a row that lock a user; 0 (the default) turns lockout off.</summary>
    public int LockoutFailureAttempts { get; set; }

    /// <summary>Keystone's <c>lockout_duration</c>: how long, in seconds, a locked user stays locked.</summary>
    public int LockoutDurationSeconds { get; set; } = 1800;

    /// <summary>Console log format: <c>text</c> (systemd's format under systemd) or <c>json</c>.</summary>
    public string LogFormat { get; set; } = "text";

    /// <summary>PEM certificate (with its chain) served on https:// listeners; reloaded on SIGHUP or when the file changes.</summary>
    public string TlsCertificateFile { get; set; } = "";

    /// <summary>PEM private key of <see cref="TlsCertificateFile"/>.</summary>
    public string TlsKeyFile { get; set; } = "";

    /// <summary>With https:// and no certificate given: generate a self-signed one under the data directory's tls/ on first start.</summary>
    public bool TlsSelfSigned { get; set; }

    /// <summary>Where the self-signed certificate is (and what clients should trust: the openrc's OS_CACERT names it).</summary>
    public string SelfSignedCertificateFile => Path.Combine(DataDirectory, "tls", "cert.pem");

    /// <summary>How long start-up waits for a PostgreSQL that refuses connections (starting, restarting) before giving up.</summary>
    public TimeSpan DatabaseWait { get; set; } = TimeSpan.FromSeconds(60);
}
