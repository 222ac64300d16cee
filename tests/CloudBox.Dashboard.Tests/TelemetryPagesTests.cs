using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using OpenQA.Selenium;

namespace CloudBox.Dashboard.Tests;

/// <summary>
/// Telemetry in the dashboard, in the same logged-in browser: measures with known values pushed through Gnocchi's API
/// for a server's instance, disk and interface resources, then read back from the instance's Monitoring charts and
/// the project's Monitoring page; and Aodh's alarms listed with their state, created from the form, disabled and deleted.
/// </summary>
public sealed partial class BrowserTests
{
    private string _measuredServer = "";

    private const double CpuPercent = 50; // 30 s of CPU time per minute on a 1-vCPU flavor
    private const long ReadPerSecond = 6144;
    private const long InPerSecond = 1024;
    private const long OutPerSecond = 512;

    private async Task<JsonNode> MetricAsync(HttpMethod method, string path, JsonNode? body, HttpStatusCode expected)
    {
        var (status, answer, _) = await Cloud.SendAsync(method, "/metric/v1" + path, AdminToken, body);
        Assert.That(status, Is.EqualTo(expected), $"{method} {path}: {answer?.ToJsonString()}");
        return answer!;
    }

    /// <summary>Ten minutes of 10-second measures ending before this minute: cumulative counters growing at a known rate.</summary>
    private static JsonArray Counter(DateTimeOffset start, double perSecond)
    {
        var measures = new JsonArray();
        for (var i = 0; i < 60; i++)
        {
            measures.Add(new JsonObject
            {
                ["timestamp"] = start.AddSeconds(i * 10).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture),
                ["value"] = i * 10 * perSecond,
            });
        }
        return measures;
    }

    /// <summary>A server (on the echo driver, so the collector measures nothing itself) with known CPU, disk and network counters.</summary>
    private async Task<string> MeasuredServerAsync()
    {
        if (_measuredServer != "") return _measuredServer;
        var server = await CreateActiveServerAsync(_imageId);
        var project = await ProjectIdAsync();
        // Telemetry makes the instance resource from Compute's event.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/instance/{server}", AdminToken)).Status != HttpStatusCode.OK)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "Telemetry recorded the new server as an instance resource");
            await Task.Delay(200);
        }
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(-10);
        await MetricAsync(HttpMethod.Post, $"/resource/instance/{server}/metric/cpu/measures", Counter(start, CpuPercent / 100 * 1e9), HttpStatusCode.Accepted);
        var disk = await MetricAsync(HttpMethod.Post, "/resource/instance_disk", new JsonObject
        {
            ["id"] = $"{server}-vda", ["project_id"] = project, ["name"] = "vda", ["instance_id"] = server,
            ["metrics"] = new JsonObject { ["disk.device.read.bytes"] = new JsonObject { ["archive_policy_name"] = "high" }, ["disk.device.write.bytes"] = new JsonObject { ["archive_policy_name"] = "high" } },
        }, HttpStatusCode.Created);
        var diskId = disk["id"]!.GetValue<string>();
        await MetricAsync(HttpMethod.Post, $"/resource/instance_disk/{diskId}/metric/disk.device.read.bytes/measures", Counter(start, ReadPerSecond), HttpStatusCode.Accepted);
        await MetricAsync(HttpMethod.Post, $"/resource/instance_disk/{diskId}/metric/disk.device.write.bytes/measures", Counter(start, 0), HttpStatusCode.Accepted);
        var nic = await MetricAsync(HttpMethod.Post, "/resource/instance_network_interface", new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(), ["project_id"] = project, ["name"] = "tap-test", ["instance_id"] = server,
            ["metrics"] = new JsonObject { ["network.incoming.bytes"] = new JsonObject { ["archive_policy_name"] = "high" }, ["network.outgoing.bytes"] = new JsonObject { ["archive_policy_name"] = "high" } },
        }, HttpStatusCode.Created);
        var nicId = nic["id"]!.GetValue<string>();
        await MetricAsync(HttpMethod.Post, $"/resource/instance_network_interface/{nicId}/metric/network.incoming.bytes/measures", Counter(start, InPerSecond), HttpStatusCode.Accepted);
        await MetricAsync(HttpMethod.Post, $"/resource/instance_network_interface/{nicId}/metric/network.outgoing.bytes/measures", Counter(start, OutPerSecond), HttpStatusCode.Accepted);
        _measuredServer = server;
        return server;
    }

    private IWebElement Chart(string captionStart) =>
        _browser.FindElements(By.CssSelector("figure.chart")).First(f => f.FindElement(By.TagName("figcaption")).Text.StartsWith(captionStart, StringComparison.Ordinal));

    private string Readout(string captionStart, string series) =>
        Chart(captionStart).FindElement(By.CssSelector($"dd[data-series='{series}']")).Text;

    /// <summary>The three charts drawn with the pushed rates: every CPU point at 50 %, the readouts of each line, labelled axes.</summary>
    private void CheckCharts(string cpuCaption)
    {
        WaitFor(() => _browser.FindElements(By.CssSelector("section.monitoring svg.linechart")).Count == 3 && Readout(cpuCaption, "CPU").Contains("latest 50 %", StringComparison.Ordinal),
            "three charts with CPU at 50 %", 30);
        var cpu = Chart(cpuCaption);
        var values = cpu.FindElements(By.CssSelector("g.series[data-series='CPU'] circle")).Select(c => double.Parse(c.GetAttribute("data-value")!, CultureInfo.InvariantCulture)).ToList();
        Assert.That(values, Has.Count.GreaterThanOrEqualTo(8), "a point per minute of the ten (the first has no previous minute)");
        Assert.That(values, Has.All.EqualTo(CpuPercent).Within(0.001));
        Assert.That(Readout(cpuCaption, "CPU"), Does.Contain("peak 50 %"));
        Assert.That(cpu.FindElements(By.CssSelector("text.ylabel")).Select(t => t.Text), Is.EqualTo(new[] { "0 %", "12.5 %", "25 %", "37.5 %", "50 %" }));
        Assert.That(cpu.FindElements(By.CssSelector("text.xlabel")).Select(t => t.Text).ToList(), Has.Count.EqualTo(5).And.All.Match("^\\d\\d:\\d\\d$"));
        Assert.That(Chart("Disk").FindElements(By.CssSelector("text.ylabel")).Select(t => t.Text), Is.EqualTo(new[] { "0 B/s", "2.5 KiB/s", "5.0 KiB/s", "7.5 KiB/s", "10.0 KiB/s" }), "a byte axis in round binary units");
        Assert.That(Readout("Disk", "Read"), Does.StartWith("latest 6.0 KiB/s"));
        Assert.That(Readout("Disk", "Write"), Does.StartWith("latest 0 B/s"));
        Assert.That(Readout("Network", "In"), Does.StartWith("latest 1.0 KiB/s"));
        Assert.That(Readout("Network", "Out"), Does.StartWith("latest 512 B/s"));
    }

    [Test, Order(9)]
    public async Task An_instance_shows_its_pushed_cpu_disk_and_network_measures_as_charts()
    {
        var server = await MeasuredServerAsync();
        OpenLoggedIn($"/ui/instances/{server}", "Instance " + (await Cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{server}", AdminToken)).Body!["server"]!["name"]!.GetValue<string>());
        CheckCharts("CPU (% of 1 vCPU)");
        CheckPageAndShoot("instance-monitoring");

        // Another window reads the same measures again (one point a minute still fits six hours).
        var window = Field(Find("section.monitoring"), "Window");
        Choose(window, "6 hours");
        WaitFor(() => Find("section.monitoring .toolbar").Text.Contains("6 hours, a point every 1 min", StringComparison.Ordinal), "the window and its granularity in the status");
        CheckCharts("CPU (% of 1 vCPU)");

        // A server Telemetry has no measures of: a message, not an empty chart.
        var quiet = await CreateActiveServerAsync(_imageId);
        _browser.Navigate().GoToUrl(Url($"/ui/instances/{quiet}"));
        WaitFor(() => TryFind("section.monitoring")?.Text.Contains("No measures yet", StringComparison.Ordinal) == true, "the no-measures message");
        Assert.That(_browser.FindElements(By.CssSelector("section.monitoring svg.linechart")), Is.Empty);
    }

    [Test, Order(9)]
    public async Task The_monitoring_page_sums_the_project_and_ranks_its_instances()
    {
        var server = await MeasuredServerAsync();
        OpenLoggedIn("/ui/overview", "Overview");
        Navigate("Monitoring", "Monitoring");
        CheckCharts("CPU (% of one vCPU");
        WaitFor(() => TryFind($"table[aria-label='Top instances'] tr[data-id='{server}']") is not null, "the measured instance in the top list");
        var row = Find($"table[aria-label='Top instances'] tr[data-id='{server}']");
        Assert.That(row.FindElement(By.CssSelector("td[data-col=cpu]")).Text, Is.EqualTo("50 %"));
        Assert.That(row.FindElement(By.CssSelector("td[data-col=disk]")).Text, Is.EqualTo("6.0 KiB/s"));
        Assert.That(row.FindElement(By.CssSelector("td[data-col=network]")).Text, Is.EqualTo("1.5 KiB/s"));
        Assert.That(Find("table[aria-label='Top instances'] tbody tr").GetAttribute("data-id"), Is.EqualTo(server), "the busiest first");

        // An administrator also sees every project, grouped by Gnocchi (groupby=project_id): only this one has measures.
        var project = await ProjectIdAsync();
        WaitFor(() => TryFind($"table[aria-label='All projects'] tr[data-id='{project}']") is not null, "the project in the all-projects list");
        var projects = _browser.FindElements(By.CssSelector("table[aria-label='All projects'] tbody tr"));
        Assert.That(projects, Has.Count.EqualTo(1));
        Assert.That(projects[0].FindElements(By.TagName("td")).Select(c => c.Text), Is.EqualTo(new[] { "admin", "50 %", "6.0 KiB/s", "1.5 KiB/s" }));
        CheckPageAndShoot("monitoring");
    }

    [Test, Order(9)]
    public async Task The_alarms_page_lists_states_creates_disables_shows_history_and_deletes()
    {
        var server = await MeasuredServerAsync();
        var firing = Unique("firing");
        var created = await AodhCreateAsync("/alarming/v2/alarms", new JsonObject
        {
            ["name"] = firing, ["type"] = "gnocchi_resources_threshold", ["enabled"] = false, ["severity"] = "critical",
            ["gnocchi_resources_threshold_rule"] = new JsonObject
            {
                ["metric"] = "cpu", ["resource_type"] = "instance", ["resource_id"] = server, ["threshold"] = 1, ["comparison_operator"] = "gt", ["granularity"] = 60,
            },
        });
        var firingId = created["alarm_id"]!.GetValue<string>();
        using (var request = new HttpRequestMessage(HttpMethod.Put, $"/alarming/v2/alarms/{firingId}/state") { Content = new StringContent("\"alarm\"", System.Text.Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("X-Auth-Token", AdminToken);
            using var response = await Cloud.Client.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        }

        OpenLoggedIn("/ui/overview", "Overview");
        Navigate("Alarms", "Alarms");
        IWebElement Row(string name) => _browser.FindElements(By.CssSelector("table[aria-label='Alarms'] tbody tr")).First(r => r.FindElements(By.CssSelector("td[data-col=name]")).FirstOrDefault()?.Text == name);
        string Cell(string name, string column) => Row(name).FindElement(By.CssSelector($"td[data-col={column}]")).Text;
        WaitFor(() => Cell(firing, "state") == "alarm", "the firing alarm with its state");
        Assert.That(Row(firing).FindElement(By.CssSelector("td[data-col=state] .badge")).GetAttribute("class"), Does.Contain("bad"), "alarm is red");
        Assert.That(Cell(firing, "type"), Is.EqualTo("gnocchi_resources_threshold"));
        Assert.That(Cell(firing, "severity"), Is.EqualTo("critical"));
        Assert.That(Cell(firing, "enabled"), Is.EqualTo("no"));

        // A threshold alarm from the form, on the measured instance.
        var name = Unique("busy");
        var panel = OpenPanel("Create threshold alarm");
        WaitFor(() => panel.FindElements(By.CssSelector("select[name=resource] option")).Any(o => o.Text.Contains(server[..8], StringComparison.Ordinal)), "the instance choices");
        Field(panel, "Name").SendKeys(name);
        Choose(Field(panel, "Instance"), server[..8]);
        Choose(Field(panel, "Comparison"), "greater than");
        Field(panel, "Threshold").SendKeys("1000");
        Choose(Field(panel, "Severity"), "moderate");
        CheckPageAndShoot("alarms-form");
        Submit(panel, "Create alarm");
        WaitFor(() => Cell(name, "enabled") == "yes", "the new alarm in the list");
        Assert.That(Cell(name, "state"), Is.AnyOf("insufficient data", "ok", "alarm"));
        var (_, listed, _) = await Cloud.SendAsync(HttpMethod.Get, "/alarming/v2/alarms", AdminToken);
        var alarm = listed!.AsArray().Single(a => a!["name"]!.GetValue<string>() == name)!;
        var id = alarm["alarm_id"]!.GetValue<string>();
        var rule = alarm["gnocchi_resources_threshold_rule"]!;
        Assert.That((rule["metric"]!.GetValue<string>(), rule["resource_id"]!.GetValue<string>(), rule["comparison_operator"]!.GetValue<string>(), rule["threshold"]!.GetValue<double>()),
            Is.EqualTo(("cpu", server, "gt", 1000.0)));
        Assert.That(alarm["severity"]!.GetValue<string>(), Is.EqualTo("moderate"));
        CheckPageAndShoot("alarms");

        WaitFor(() =>
        {
            Find($"button[aria-label='Disable {name}']").Click();
            return true;
        }, "the disable button");
        WaitFor(() => Cell(name, "enabled") == "no", "the alarm disabled");
        var (_, after, _) = await Cloud.SendAsync(HttpMethod.Get, $"/alarming/v2/alarms/{id}", AdminToken);
        Assert.That(after!["enabled"]!.GetValue<bool>(), Is.False);

        // The firing alarm's detail: its history has the state transition.
        _browser.Navigate().GoToUrl(Url($"/ui/alarms/{firingId}"));
        WaitForHeading($"Alarm {firing}");
        var history = _browser.FindElements(By.CssSelector("table[aria-label='History'] tbody tr")).Select(r => r.Text).ToList();
        Assert.That(history, Has.Some.Contain("state transition").And.Some.Contain("creation"));
        Assert.That(history[0], Does.Contain("state transition").And.Contain("alarm"), "newest first");
        CheckPageAndShoot("alarm-detail");

        // Delete the form's alarm from its detail.
        _browser.Navigate().GoToUrl(Url($"/ui/alarms/{id}"));
        WaitForHeading($"Alarm {name}");
        Assert.That(_browser.FindElements(By.CssSelector("table[aria-label='History'] tbody tr")).Select(r => r.Text), Has.Some.Contain("rule change"), "the disable is in the history");
        _browser.FindElements(By.CssSelector("main button.danger")).First(b => b.Text == "Delete alarm").Click();
        WaitFor(() => Find("#confirm").Displayed, "the confirmation");
        Find("#confirm-ok").Click();
        WaitForHeading("Alarms");
        WaitFor(() => _browser.FindElements(By.CssSelector("table[aria-label='Alarms'] tbody td[data-col=name]")).Any(c => c.Text == firing), "the list again");
        Assert.That(_browser.FindElements(By.CssSelector("table[aria-label='Alarms'] tbody td[data-col=name]")).Select(c => c.Text), Does.Not.Contain(name));
        var (gone, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/alarming/v2/alarms/{id}", AdminToken);
        Assert.That(gone, Is.EqualTo(HttpStatusCode.NotFound), "Aodh no longer finds it");
    }

    [Test, Order(14)]
    public void A_member_sees_only_their_projects_measures_and_alarms()
    {
        Assume.That(_measuredServer, Is.Not.Empty, "needs the measured instance and alarms of the admin project");
        // Logged in as the member of the test before: a project with no instance and no alarm.
        OpenLoggedIn("/ui/overview", "Overview");
        Assume.That(Find("#who").Text, Does.Not.Contain("admin"), "the member's session");
        Navigate("Monitoring", "Monitoring");
        WaitFor(() => TryFind("section.monitoring p.notice")?.Text.Contains("No measures yet", StringComparison.Ordinal) == true, "the member's empty monitoring");
        Assert.That(_browser.FindElements(By.CssSelector("table[aria-label='All projects']")), Is.Empty, "only administrators see every project");
        _browser.Navigate().GoToUrl(Url($"/ui/instances/{_measuredServer}"));
        WaitFor(() => TryFind("main p.error") is not null || TryFind("main h1")?.Text is "Error", "another project's instance refused");
        Navigate("Alarms", "Alarms");
        WaitFor(() => Find("table[aria-label='Alarms'] tbody").Text.Contains("Nothing here yet.", StringComparison.Ordinal), "no alarm of another project");
        CheckPageAndShoot("member-alarms");
    }

    private async Task<JsonNode> AodhCreateAsync(string path, JsonNode body)
    {
        var (status, answer, _) = await Cloud.SendAsync(HttpMethod.Post, path, AdminToken, body);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), answer?.ToJsonString());
        return answer!;
    }
}
