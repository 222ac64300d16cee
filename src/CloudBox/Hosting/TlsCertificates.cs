using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudBox.Core.Configuration;
using Microsoft.Extensions.Logging;

namespace CloudBox.Hosting;

/// <summary>
/// The certificate every https:// listener serves: the PEM pair of --tls-cert/--tls-key, or one made self-signed in
/// DATA/tls on first start (--tls-self-signed). It is reloaded on SIGHUP (<c>systemctl reload cloudbox</c>) and when
/// the certificate file changes (checked at most every two seconds, on a handshake), so a renewed certificate is
/// served without a restart; a pair that no longer loads keeps the previous one in service, with a log line.
/// </summary>
public sealed partial class TlsCertificates : IDisposable
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);
    private readonly string _certificateFile;
    private readonly string _keyFile;
    private readonly ILogger _logger;
    private readonly Lock _reloading = new();
    private readonly PosixSignalRegistration _hangUp;
    private X509Certificate2 _current;
    private DateTime _loadedWrite;
    private long _nextCheck;

    private TlsCertificates(string certificateFile, string keyFile, ILogger logger)
    {
        _certificateFile = certificateFile;
        _keyFile = keyFile;
        _logger = logger;
        _current = Load(certificateFile, keyFile);
        _loadedWrite = File.GetLastWriteTimeUtc(certificateFile);
        _hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true; // a reload, not the default termination
            Reload("SIGHUP");
        });
    }

    /// <summary>Whether any listener is https://.</summary>
    public static bool Needed(IEnumerable<string> listenUrls) =>
        listenUrls.Any(url => url.StartsWith("https://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Loads (or first makes) the certificate; a pair that does not load is a <see cref="StartupException"/>.</summary>
    public static TlsCertificates Open(CloudBoxOptions options, ILogger logger)
    {
        var (certificate, key) = options.TlsCertificateFile.Length > 0
            ? (options.TlsCertificateFile, options.TlsKeyFile)
            : SelfSigned(options, logger);
        try
        {
            return new TlsCertificates(certificate, key, logger);
        }
        catch (CryptographicException error)
        {
            throw new StartupException($"cannot load the TLS certificate {certificate} with key {key} ({error.Message}), set --tls-cert and --tls-key to a matching PEM pair");
        }
    }

    /// <summary>The certificate for a handshake (Kestrel's ServerCertificateSelector).</summary>
    public X509Certificate2 Current
    {
        get
        {
            var now = Environment.TickCount64;
            if (now >= Interlocked.Read(ref _nextCheck))
            {
                Interlocked.Exchange(ref _nextCheck, now + (long)CheckEvery.TotalMilliseconds);
                if (File.GetLastWriteTimeUtc(_certificateFile) != _loadedWrite)
                    Reload("the certificate file changed");
            }
            return Volatile.Read(ref _current);
        }
    }

    /// <summary>The certificate file (for clients to trust when it is self-signed: OS_CACERT).</summary>
    public string CertificateFile => _certificateFile;

    private void Reload(string why)
    {
        lock (_reloading)
        {
            try
            {
                var written = File.GetLastWriteTimeUtc(_certificateFile);
                var next = Load(_certificateFile, _keyFile);
                Volatile.Write(ref _current, next); // the previous one may still be in a handshake: left to the GC
                _loadedWrite = written;
                LogReloaded(_logger, _certificateFile, why, next.Subject, next.NotAfter);
            }
            catch (Exception error) when (error is CryptographicException or IOException or UnauthorizedAccessException)
            {
                LogReloadFailed(_logger, _certificateFile, why, error.Message);
            }
        }
    }

    private static X509Certificate2 Load(string certificateFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        // Exported and imported once so SslStream on Linux gets a certificate whose key it can use for every handshake.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>DATA/tls/cert.pem and key.pem, made on first start: ECDSA P-256, ten years, for this host's names and addresses.</summary>
    private static (string Certificate, string Key) SelfSigned(CloudBoxOptions options, ILogger logger)
    {
        var certificate = options.SelfSignedCertificateFile;
        var directory = Path.GetDirectoryName(certificate)!;
        var key = Path.Combine(directory, "key.pem");
        if (File.Exists(certificate) && File.Exists(key))
            return (certificate, key);
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(Dns.GetHostName());
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        foreach (var url in new[] { options.ListenUrl, options.PublicUrl, options.S3PublicUrl, options.Ec2PublicUrl })
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address)
                && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any) && !IPAddress.IsLoopback(address))
                names.AddIpAddress(address);
            else if (uri is { HostNameType: UriHostNameType.Dns } && uri.Host != "localhost")
                names.AddDnsName(uri.Host);
        }
        var request = new CertificateRequest($"CN={Dns.GetHostName()}, O=CloudBox", ecdsa, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(10));
        WriteOwnerOnly(key, ecdsa.ExportPkcs8PrivateKeyPem());
        WriteOwnerOnly(certificate, made.ExportCertificatePem());
        LogSelfSigned(logger, certificate);
        return (certificate, key);
    }

    private static void WriteOwnerOnly(string path, string content)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        stream.Write(System.Text.Encoding.ASCII.GetBytes(content + "\n"));
        stream.Flush(flushToDisk: true);
    }

    public void Dispose()
    {
        _hangUp.Dispose();
        _current.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Made a self-signed TLS certificate {Certificate}; clients trust it with OS_CACERT (openstack) or --ca-bundle (aws)")]
    private static partial void LogSelfSigned(ILogger logger, string certificate);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reloaded the TLS certificate {Certificate} ({Why}): {Subject}, valid until {NotAfter:u}")]
    private static partial void LogReloaded(ILogger logger, string certificate, string why, string subject, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not reload the TLS certificate {Certificate} ({Why}): {Reason}; the previous one is still served")]
    private static partial void LogReloadFailed(ILogger logger, string certificate, string why, string reason);
}
