using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Hosting;
using CloudBox.Testing;

namespace CloudBox.Core.Tests.Hosting;

/// <summary>https:// listeners: a self-signed certificate made on first start, a given PEM pair reloaded when it changes, clear refusals.</summary>
[TestFixture]
[NonParallelizable]
public sealed class TlsTests
{
    [Test]
    public async Task A_self_signed_cloud_serves_https_with_the_certificate_it_made_and_publishes_https_urls()
    {
        await using var cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, options =>
        {
            options.ListenUrl = options.ListenUrl.Replace("http://", "https://", StringComparison.Ordinal);
            options.PublicUrl = options.ListenUrl;
            options.TlsSelfSigned = true;
        });
        var certificateFile = Path.Combine(cloud.DataDirectory, "tls", "cert.pem");
        Assert.That(File.Exists(certificateFile), Is.True);
        Assert.That(File.GetUnixFileMode(Path.Combine(cloud.DataDirectory, "tls", "key.pem")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        using var made = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certificateFile));

        var (served, status) = await HandshakeAsync(cloud.BaseUrl + "/healthz", trusted: made);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), "a client trusting the made certificate (OS_CACERT) gets through");
        Assert.That(served.Thumbprint, Is.EqualTo(made.Thumbprint));
        Assert.That(made.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses(), Does.Contain(IPAddress.Loopback));
        Assert.That(await File.ReadAllTextAsync(Path.Combine(cloud.DataDirectory, "admin-openrc.sh")), Does.Contain($"export OS_CACERT='{certificateFile}'"),
            "the openrc has the stock clients trust the certificate");
        var token = await cloud.AdminTokenAsync();
        var catalog = await cloud.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/identity/v3/auth/catalog") { Headers = { { "X-Auth-Token", token } } });
        var urls = JsonNode.Parse(await catalog.Content.ReadAsStringAsync())!["catalog"]!.AsArray()
            .SelectMany(service => service!["endpoints"]!.AsArray()).Select(endpoint => endpoint!["url"]!.GetValue<string>()).ToList();
        Assert.That(urls.Where(url => url.StartsWith(cloud.BaseUrl, StringComparison.Ordinal)), Is.Not.Empty);
        Assert.That(urls.Where(url => url.StartsWith("http://127.0.0.1:" + new Uri(cloud.BaseUrl).Port, StringComparison.Ordinal)), Is.Empty, "the catalog follows the scheme");
    }

    [Test]
    public async Task A_renewed_certificate_is_served_without_a_restart()
    {
        var directory = Directory.CreateTempSubdirectory("cloudbox-tls-").FullName;
        var certificateFile = Path.Combine(directory, "cert.pem");
        var keyFile = Path.Combine(directory, "key.pem");
        var first = WritePair(certificateFile, keyFile, "CN=first");
        await using var cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, options =>
        {
            options.ListenUrl = options.ListenUrl.Replace("http://", "https://", StringComparison.Ordinal);
            options.PublicUrl = options.ListenUrl;
            options.TlsCertificateFile = certificateFile;
            options.TlsKeyFile = keyFile;
        });
        Assert.That((await HandshakeAsync(cloud.BaseUrl + "/healthz", trusted: null)).Served.Thumbprint, Is.EqualTo(first));

        var second = WritePair(certificateFile, keyFile, "CN=second");
        File.SetLastWriteTimeUtc(certificateFile, DateTime.UtcNow.AddSeconds(5));
        string? served = null;
        for (var i = 0; i < 50 && served != second; i++)
        {
            await Task.Delay(200);
            served = (await HandshakeAsync(cloud.BaseUrl + "/healthz", trusted: null)).Served.Thumbprint;
        }
        Assert.That(served, Is.EqualTo(second), "the new pair is served within seconds of the file changing");

        await File.WriteAllTextAsync(certificateFile, "not a certificate");
        File.SetLastWriteTimeUtc(certificateFile, DateTime.UtcNow.AddSeconds(10));
        await Task.Delay(2500);
        Assert.That((await HandshakeAsync(cloud.BaseUrl + "/healthz", trusted: null)).Served.Thumbprint, Is.EqualTo(second), "a broken file keeps the last good pair in service");
        Directory.Delete(directory, recursive: true);
    }

    [TestCase(new[] { "--listen", "https://127.0.0.1:18443" }, "--tls-cert")]
    [TestCase(new[] { "--tls-cert", "/nonexistent/cert.pem" }, "--tls-key")]
    [TestCase(new[] { "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem" }, "does not exist")]
    [TestCase(new[] { "--tls-self-signed", "maybe" }, "neither true nor false")]
    public void Tls_settings_that_cannot_work_are_refused_in_one_line_naming_the_setting(string[] arguments, string expected)
    {
        var error = Assert.Throws<OptionsException>(() => OptionsLoader.Load([.. arguments, "--data-dir", Path.GetTempPath()], out _));
        Assert.That(error!.Message, Does.Contain(expected));
    }

    /// <summary>One request on a new connection; returns the certificate the server presented (checked against <paramref name="trusted"/> when given).</summary>
    private static async Task<(X509Certificate2 Served, HttpStatusCode Status)> HandshakeAsync(string url, X509Certificate2? trusted)
    {
        X509Certificate2? served = null;
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    served = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
                    if (trusted is null)
                        return true;
                    using var custom = new X509Chain();
                    custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    custom.ChainPolicy.CustomTrustStore.Add(trusted);
                    custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return (errors & ~(SslPolicyErrors.RemoteCertificateChainErrors)) == SslPolicyErrors.None && custom.Build(served);
                },
            },
        };
        using var client = new HttpClient(handler);
        using var response = await client.GetAsync(url);
        return (served!, response.StatusCode);
    }

    private static string WritePair(string certificateFile, string keyFile, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        return certificate.Thumbprint;
    }
}
