using System.Net;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Hosting;
using CloudBox.Testing;

namespace CloudBox.Telemetry.Tests.Prometheus;

/// <summary>
/// <c>--metrics-listen</c>: a second listener where Prometheus scrapes <c>/metrics</c> without a
/// token and reaches nothing else, while the main listener's <c>/metrics</c> stays admin-only.
/// </summary>
public class MetricsListenerTests
{
    private TestCloud _cloud = null!;
    private HttpClient _metrics = null!;

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        var port = TestPorts.Next();
        _cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, options => options.MetricsListenUrl = $"http://127.0.0.1:{port}",
            new TelemetryModule(new TelemetrySettings { EvaluationInterval = TimeSpan.FromSeconds(1) }));
        _metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    [OneTimeTearDown]
    public async Task StopCloud()
    {
        _metrics.Dispose();
        await _cloud.DisposeAsync();
    }

    private static async Task<(HttpStatusCode Status, string Body, string? ContentType)> GetAsync(HttpClient client, string path, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
            request.Headers.Add("X-Auth-Token", token);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    [Test]
    public async Task TheMetricsListenerServesMetricsWithoutAToken()
    {
        var (status, body, type) = await GetAsync(_metrics, "/metrics");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(type, Is.EqualTo("text/plain"));
        Assert.That(body, Does.Contain("# TYPE cloudbox_vms gauge"));
        Assert.That(body, Does.Contain("process_cpu_seconds_total"));
    }

    [Test]
    public async Task TheMetricsListenerServesNothingElse()
    {
        var admin = await _cloud.AdminTokenAsync();
        foreach (var path in new[] { "/", "/identity/v3/projects", "/metric/v1/resource/generic", "/metrics/../identity/v3" })
        {
            var (status, body, _) = await GetAsync(_metrics, path, admin);
            Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), $"{path}: {body}");
        }
        using var post = await _metrics.PostAsync("/metrics", new StringContent(""));
        Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
    }

    [Test]
    public async Task TheMainListenersMetricsStayAdminOnly()
    {
        var (status, body, _) = await GetAsync(_cloud.Client, "/metrics");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized), body);
        var admin = await _cloud.AdminTokenAsync();
        var (projectName, userName) = ("ml-" + Guid.NewGuid().ToString("N")[..8], "ml-" + Guid.NewGuid().ToString("N")[..8]);
        await _cloud.CreateUserWithRoleAsync(admin, projectName, userName, "pw-m", "member");
        var member = await _cloud.TokenAsync(userName, "pw-m", projectName);
        (status, body, _) = await GetAsync(_cloud.Client, "/metrics", member);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), body);
        (status, body, _) = await GetAsync(_cloud.Client, "/metrics", admin);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(body, Does.Contain("# TYPE cloudbox_vms gauge"));
    }

    [Test]
    public void HostAndPortMeansHttpAndAPortOfItsOwnIsRequired()
    {
        var options = OptionsLoader.Load(["--listen", "http://127.0.0.1:18080", "--metrics-listen", "127.0.0.1:9100"], out _);
        Assert.That(options.MetricsListenUrl, Is.EqualTo("http://127.0.0.1:9100"));
        Assert.Throws<OptionsException>(() => OptionsLoader.Load(["--listen", "http://127.0.0.1:18080", "--metrics-listen", "http://127.0.0.1:18080"], out _));
        Assert.Throws<OptionsException>(() => OptionsLoader.Load(["--metrics-listen", "ftp://127.0.0.1:9100"], out _));
        Assert.That(OptionsLoader.Load(["--listen", "http://127.0.0.1:18080"], out _).MetricsListenUrl, Is.Empty);
    }
}
