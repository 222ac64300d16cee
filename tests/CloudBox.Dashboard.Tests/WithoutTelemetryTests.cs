using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace CloudBox.Dashboard.Tests;

/// <summary>
/// A cloud without Telemetry: no <c>metric</c> or <c>alarming</c> in the catalog. The Monitoring and Alarms pages and
/// an instance's Monitoring part say so in words instead of drawing a broken chart or showing a failed request.
/// </summary>
[NonParallelizable]
public sealed class WithoutTelemetryTests : DashboardFixture
{
    private ChromeDriver _browser = null!;

    protected override bool WithTelemetry => false;

    [OneTimeSetUp]
    public void StartBrowser()
    {
        if (!BrowserTests.HasChromium)
            Assert.Ignore("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
        _browser = BrowserTests.StartChromium();
    }

    [OneTimeTearDown]
    public void StopBrowser() => _browser?.Dispose();

    private string Text(string css) => _browser.FindElements(By.CssSelector(css)).FirstOrDefault()?.Text ?? "";

    private void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (condition()) return;
            }
            catch (WebDriverException)
            {
                // the page is still changing
            }
            Thread.Sleep(150);
        }
        Assert.Fail($"timed out waiting for {what}; the page shows {Text("body")}");
    }

    [Test]
    public async Task Monitoring_and_alarms_say_that_telemetry_is_not_in_the_catalog()
    {
        var server = await CreateActiveServerAsync(await CreateBootableImageAsync(Unique("quiet")));
        _browser.Navigate().GoToUrl(Cloud.BaseUrl + "/dashboard/login");
        _browser.FindElement(By.CssSelector("input[name=username]")).SendKeys("admin");
        _browser.FindElement(By.CssSelector("input[name=password]")).SendKeys(Testing.TestCloud.AdminPassword);
        _browser.FindElement(By.CssSelector("form button[type=submit]")).Click();
        WaitFor(() => Text("main h1") == "Overview", "the overview");

        _browser.Navigate().GoToUrl(Cloud.BaseUrl + "/ui/monitoring");
        WaitFor(() => Text("section.monitoring p.notice").Contains("no \"metric\" service", StringComparison.Ordinal), "the monitoring page's notice");
        Assert.That(_browser.FindElements(By.CssSelector("svg.linechart, p.error")), Is.Empty, "no chart and no error");

        _browser.Navigate().GoToUrl(Cloud.BaseUrl + "/ui/alarms");
        WaitFor(() => Text("main p.notice").Contains("no \"alarming\" service", StringComparison.Ordinal), "the alarms page's notice");
        Assert.That(Text("main h1"), Is.EqualTo("Alarms"));
        Assert.That(_browser.FindElements(By.CssSelector("table, p.error")), Is.Empty);

        _browser.Navigate().GoToUrl(Cloud.BaseUrl + $"/ui/instances/{server}");
        WaitFor(() => Text("section.monitoring p.notice").Contains("Telemetry is not enabled", StringComparison.Ordinal), "the instance's monitoring notice");
        Assert.That(_browser.FindElements(By.CssSelector("section.monitoring svg, section.monitoring p.error")), Is.Empty);
    }
}
