using System.Globalization;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace CloudBox.Dashboard.Tests;

/// <summary>
/// benchmarks/dashboard: time to first render of the Instances page of a running <c>cloudbox serve</c> (the script
/// benchmarks/dashboard/instances-page.sh starts one and creates 1,000 servers through Nova's API first), and bytes
/// transferred on cold and warm loads, in headless chromium. Explicit: the script runs it with
/// <c>DASHBOARD_BENCH_URL</c> and <c>DASHBOARD_BENCH_PASSWORD</c> (the admin's, from admin-openrc.sh) set.
/// </summary>
[Explicit("benchmark: run by benchmarks/dashboard/instances-page.sh")]
[NonParallelizable]
public sealed class InstancesPageBenchmark
{
    private const int Runs = 5;
    private const int PageRows = 25;

    /// <summary>
    /// Injected before the page's own scripts (through DevTools, so the page's script policy does not apply): notes
    /// the moment the table first holds a full page (<see cref="PageRows"/>) of rows, without a poll's delay.
    /// </summary>
    private const string FirstRowsProbe =
        "new MutationObserver((_, o) => { if (document.querySelectorAll('tbody tr[data-id]').length >= 25) { window.__firstRows = performance.now(); o.disconnect(); } }).observe(document, { childList: true, subtree: true });";

    [Test]
    public void Instances_page_first_render_and_bytes()
    {
        var baseUrl = Environment.GetEnvironmentVariable("DASHBOARD_BENCH_URL");
        var password = Environment.GetEnvironmentVariable("DASHBOARD_BENCH_PASSWORD");
        if (string.IsNullOrEmpty(baseUrl) || string.IsNullOrEmpty(password))
            Assert.Ignore("set DASHBOARD_BENCH_URL and DASHBOARD_BENCH_PASSWORD (benchmarks/dashboard/instances-page.sh does)");

        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000");
        using var browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        browser.ExecuteCdpCommand("Page.addScriptToEvaluateOnNewDocument", new Dictionary<string, object?> { ["source"] = FirstRowsProbe });
        browser.Navigate().GoToUrl(baseUrl + "/dashboard/login");
        browser.FindElement(By.Name("username")).SendKeys("admin");
        browser.FindElement(By.Name("password")).SendKeys(password);
        browser.FindElement(By.CssSelector("form button[type=submit]")).Click();
        Wait(browser, "return document.querySelector('nav#nav a[aria-current]') !== null", "the app after login");

        var cold = new List<Load>();
        var warm = new List<Load>();
        for (var run = 0; run < Runs; run++)
        {
            browser.ExecuteCdpCommand("Network.clearBrowserCache", []);
            cold.Add(LoadInstances(browser, baseUrl!));
            warm.Add(LoadInstances(browser, baseUrl!));
        }
        var total = Convert.ToString(browser.ExecuteScript("return document.querySelector('[aria-live]')?.textContent"), CultureInfo.InvariantCulture);
        TestContext.Out.WriteLine($"instances page, first {PageRows} rows rendered ({total}), {Runs} runs each:");
        TestContext.Out.WriteLine(Describe("cold (cache cleared)", cold));
        TestContext.Out.WriteLine(Describe("warm", warm));
        Assert.That(cold.All(l => l.RowsMs > 0) && warm.All(l => l.RowsMs > 0), Is.True);
    }

    private sealed record Load(double RowsMs, double PaintMs, long Bytes);

    private static string Describe(string name, List<Load> loads)
    {
        var rows = loads.Select(l => l.RowsMs).Order().ToList();
        var paint = loads.Select(l => l.PaintMs).Order().ToList();
        var bytes = loads.Select(l => l.Bytes).Order().ToList();
        return FormattableString.Invariant(
            $"  {name}: rows rendered median {rows[Runs / 2]:F0} ms (min {rows[0]:F0}, max {rows[^1]:F0}); first contentful paint median {paint[Runs / 2]:F0} ms; bytes transferred median {bytes[Runs / 2]} (min {bytes[0]}, max {bytes[^1]})");
    }

    /// <summary>Loads /ui/instances; returns the time from navigation start until the table shows its first page, the first paint, and the bytes the page transferred up to then.</summary>
    private static Load LoadInstances(ChromeDriver browser, string baseUrl)
    {
        browser.Navigate().GoToUrl("about:blank");
        browser.Navigate().GoToUrl(baseUrl + "/ui/instances");
        Wait(browser, "return typeof window.__firstRows === 'number'", "the first page of instances");
        var rows = Number(browser.ExecuteScript("return window.__firstRows"));
        var paint = Number(browser.ExecuteScript("return performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0"));
        // Navigation and every resource (scripts, styles, the API's JSON), as transferred (0 when served from the cache).
        var bytes = (long)Number(browser.ExecuteScript(
            "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).filter(e => e.responseEnd <= window.__firstRows).reduce((a, e) => a + (e.transferSize || 0), 0)"));
        return new Load(rows, paint, bytes);
    }

    private static double Number(object? value) => Convert.ToDouble(value, CultureInfo.InvariantCulture);

    private static void Wait(ChromeDriver browser, string condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (browser.ExecuteScript(condition) is true) return;
            Thread.Sleep(20);
        }
        Assert.Fail($"timed out waiting for {what}");
    }
}
