using System.Diagnostics;
using Dapper;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace CloudBox.Dashboard.Tests;

/// <summary>
/// benchmarks/dashboard: time to first render of the Instances page with 1,000 servers (served paged), and bytes
/// transferred on a cold and a warm load, in headless chromium. Explicit: run it by name.
/// </summary>
[Explicit("benchmark: see benchmarks/dashboard/README.md")]
[NonParallelizable]
public sealed class InstancesPageBenchmark : DashboardFixture
{
    [Test]
    public async Task Instances_page_with_1000_servers()
    {
        var template = await CreateActiveServerAsync(await CreateBootableImageAsync(Unique("bench")));
        await using (var db = Cloud.OpenDatabase())
        await using (var connection = await db.OpenAsync())
        {
            // 999 more rows copied from a real one: the list the page asks for is paged in the API.
            var row = (IDictionary<string, object?>)(await connection.QuerySingleAsync("SELECT * FROM compute_servers WHERE id = @template", new { template }));
            var columns = row.Keys.ToList();
            var sql = $"INSERT INTO compute_servers ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(c => "@" + c))})";
            await using var transaction = await connection.BeginTransactionAsync();
            for (var i = 1; i < 1000; i++)
            {
                var copy = new DynamicParameters();
                foreach (var (key, value) in row) copy.Add(key, value);
                copy.Add("id", Guid.NewGuid().ToString());
                copy.Add("name", $"bench-{i:D4}");
                await connection.ExecuteAsync(sql, copy, transaction);
            }
            await transaction.CommitAsync();
        }

        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000");
        using var browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        browser.Navigate().GoToUrl(Cloud.BaseUrl + "/dashboard/login");
        browser.FindElement(By.Name("username")).SendKeys("admin");
        browser.FindElement(By.Name("password")).SendKeys(Testing.TestCloud.AdminPassword);
        browser.FindElement(By.CssSelector("form button[type=submit]")).Click();
        WaitRows(browser, "nav#nav a[aria-current]", 1, "the app"); // logged in; the assets are cached now

        var cold = new List<double>();
        var warm = new List<double>();
        long coldBytes = 0, warmBytes = 0;
        for (var run = 0; run < 5; run++)
        {
            browser.ExecuteCdpCommand("Network.clearBrowserCache", []);
            var (ms, bytes) = Load(browser, Cloud.BaseUrl);
            cold.Add(ms);
            coldBytes = bytes;
            (ms, bytes) = Load(browser, Cloud.BaseUrl);
            warm.Add(ms);
            warmBytes = bytes;
        }
        cold.Sort();
        warm.Sort();
        TestContext.Out.WriteLine($"instances page, 1000 servers, first 25 rows rendered: cold median {cold[2]:F0} ms (min {cold[0]:F0}, max {cold[4]:F0}), {coldBytes} bytes transferred; warm median {warm[2]:F0} ms (min {warm[0]:F0}, max {warm[4]:F0}), {warmBytes} bytes");
        Assert.That(cold[2], Is.LessThan(5000));
    }

    /// <summary>Loads /ui/instances; returns the time from navigation start until the table shows its first page, and the bytes the page transferred.</summary>
    private static (double Ms, long Bytes) Load(ChromeDriver browser, string baseUrl)
    {
        browser.Navigate().GoToUrl("about:blank");
        browser.Navigate().GoToUrl(baseUrl + "/ui/instances");
        WaitRows(browser, "tbody tr[data-id]", 25, "instances");
        var ms = Convert.ToDouble(browser.ExecuteScript("return performance.now()"), System.Globalization.CultureInfo.InvariantCulture);
        var bytes = Convert.ToInt64(browser.ExecuteScript(
            "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).reduce((a, e) => a + (e.transferSize || 0), 0)"), System.Globalization.CultureInfo.InvariantCulture);
        return (ms, bytes);
    }

    private static void WaitRows(ChromeDriver browser, string css, int count, string what)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (browser.FindElements(By.CssSelector(css)).Count >= count) return;
            Thread.Sleep(20);
        }
        Assert.Fail($"timed out waiting for {what}");
    }
}
