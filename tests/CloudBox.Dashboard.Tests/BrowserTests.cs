using System.Text.Json.Nodes;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace CloudBox.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser: Debian's headless chromium driven through chromedriver (both from apt, paths fixed
/// so Selenium Manager never tries to download anything). The tests run in order on one logged-in browser, as a user
/// would: log in, launch, console, upload, network, volume, forged request, log out, then a member. Every page visited
/// is checked for one h1 and a label on every control, and saved as a screenshot attachment.
/// </summary>
[NonParallelizable]
public sealed partial class BrowserTests : DashboardFixture
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";
    private ChromeDriver _browser = null!;
    private string _imageName = "";
    private string _imageId = "";
    private string _serverName = "";

    [OneTimeSetUp]
    public async Task StartBrowser()
    {
        if (!File.Exists(Chromium) || !File.Exists(ChromeDriver))
            Assert.Ignore("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
        _imageName = Unique("cirros");
        _imageId = await CreateBootableImageAsync(_imageName);
        _browser = StartChromium();
    }

    /// <summary>Debian's headless chromium through chromedriver, never Selenium Manager.</summary>
    internal static ChromeDriver StartChromium()
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000", "--lang=en-US");
        var browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        browser.Manage().Timeouts().ImplicitWait = TimeSpan.Zero;
        return browser;
    }

    internal static bool HasChromium => File.Exists(Chromium) && File.Exists(ChromeDriver);

    [OneTimeTearDown]
    public void StopBrowser() => _browser?.Dispose();

    private string Url(string path) => Cloud.BaseUrl + path;

    private void WaitFor(Func<bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (condition()) return;
            }
            catch (Exception error) when (error is WebDriverException or InvalidOperationException or NullReferenceException)
            {
                last = error;
            }
            Thread.Sleep(150);
        }
        string page;
        try
        {
            page = $"{_browser.Url}: {_browser.FindElement(By.TagName("body")).Text}";
            if (page.Length > 1500) page = page[..1500];
        }
        catch (WebDriverException error)
        {
            page = error.Message;
        }
        Assert.Fail($"timed out waiting for {what}{(last is null ? "" : $" (last error: {last.Message})")}; the page shows {page}");
    }

    private IWebElement Find(string css) => _browser.FindElement(By.CssSelector(css));

    /// <summary>
    /// Clicks the first button inside <paramref name="scope"/> whose text <paramref name="matches"/>. A table that polls
    /// (servers building, stacks in progress) re-renders and replaces its buttons, so a button gone stale is looked up again.
    /// </summary>
    private void ClickButton(Func<ISearchContext> scope, Func<string, bool> matches, string what) =>
        WaitFor(() =>
        {
            scope().FindElements(By.TagName("button")).First(b => matches(b.Text)).Click();
            return true;
        }, what);

    /// <summary>Clicks the link reading <paramref name="text"/> among <paramref name="css"/>; in a table that polls, a link gone stale is looked up again.</summary>
    private void ClickLink(string css, string text) =>
        WaitFor(() =>
        {
            _browser.FindElements(By.CssSelector(css)).First(a => a.Text == text).Click();
            return true;
        }, $"the link '{text}'");

    private IWebElement? TryFind(string css) => _browser.FindElements(By.CssSelector(css)).FirstOrDefault();

    private void WaitForHeading(string text) =>
        WaitFor(() => TryFind("main h1")?.Text == text, $"the page '{text}'");

    /// <summary>Opens the panel whose summary reads <paramref name="title"/> and returns it.</summary>
    private IWebElement OpenPanel(string title)
    {
        var summary = _browser.FindElements(By.CssSelector("details.panel > summary")).First(s => s.Text == title);
        var panel = summary.FindElement(By.XPath(".."));
        if (panel.GetAttribute("open") is null) summary.Click();
        WaitFor(() => panel.FindElements(By.CssSelector("form")).Count > 0, $"the form of '{title}'");
        return panel;
    }

    private static IWebElement Field(IWebElement scope, string label)
    {
        var labelElement = scope.FindElements(By.TagName("label")).First(l => l.Text.Trim() == label);
        return scope.FindElement(By.Id(labelElement.GetAttribute("for")!));
    }

    private static void Choose(IWebElement select, string textContains)
    {
        foreach (var option in select.FindElements(By.TagName("option")))
        {
            if (option.Text.Contains(textContains, StringComparison.Ordinal))
            {
                if (!option.Selected) option.Click();
                return;
            }
        }
        Assert.Fail($"no option containing '{textContains}' in {select.GetAttribute("name")}");
    }

    private static void Submit(IWebElement panel, string button) =>
        panel.FindElements(By.CssSelector("button[type=submit]")).First(b => b.Text == button).Click();

    /// <summary>A screenshot attachment of the page as it stands, then: one h1, a label on every control (panels opened so their forms exist).</summary>
    private void CheckPageAndShoot(string name)
    {
        var directory = Path.Combine(TestContext.CurrentContext.WorkDirectory, "dashboard-screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{name}.png");
        _browser.GetScreenshot().SaveAsFile(path);
        TestContext.AddTestAttachment(path, name);
        var opened = new List<IWebElement>();
        foreach (var summary in _browser.FindElements(By.CssSelector("details.panel:not([open]) > summary")))
        {
            summary.Click();
            opened.Add(summary);
        }
        if (opened.Count > 0) Thread.Sleep(700);
        var h1 = _browser.FindElements(By.TagName("h1"));
        Assert.That(h1, Has.Count.EqualTo(1), $"{name}: one h1");
        var unlabelled = (IReadOnlyCollection<object>)_browser.ExecuteScript(
            "return [...document.querySelectorAll('input, select, textarea')].filter(e => e.type !== 'hidden' && !e.closest('.xterm') && e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML.slice(0, 120));")!;
        Assert.That(unlabelled, Is.Empty, $"{name}: controls without a label");
        foreach (var summary in opened) summary.Click();
    }

    private void Navigate(string linkText, string heading)
    {
        _browser.FindElements(By.CssSelector("nav#nav a")).First(a => a.Text == linkText).Click();
        WaitForHeading(heading);
    }

    private void LogIn(string user, string password)
    {
        _browser.Navigate().GoToUrl(Url("/dashboard/login"));
        CheckPageAndShoot($"login-{(user == "admin" ? "admin" : "member")}");
        var domain = Find("input[name=domain]");
        domain.Clear();
        domain.SendKeys("Default");
        Find("input[name=username]").SendKeys(user);
        Find("input[name=password]").SendKeys(password);
        Find("form button[type=submit]").Click();
        WaitForHeading("Overview");
    }

    [Test, Order(1)]
    public void Logs_in_and_shows_the_navigation()
    {
        LogIn("admin", Testing.TestCloud.AdminPassword);
        var links = _browser.FindElements(By.CssSelector("nav#nav a")).Select(a => a.Text).ToList();
        Assert.That(links, Is.SupersetOf(new[] { "Overview", "Instances", "Images", "Volumes", "Networks", "Security groups", "Floating IPs", "Key pairs", "Object store", "Identity", "System" }));
        WaitFor(() => _browser.FindElements(By.CssSelector("meter")).Count >= 3, "the quota charts");
        CheckPageAndShoot("overview");
        var cookie = _browser.Manage().Cookies.GetCookieNamed("cloudbox_session");
        Assert.That(cookie?.IsHttpOnly, Is.True);
        Assert.That((string?)_browser.ExecuteScript("return document.cookie"), Does.Not.Contain("cloudbox_session"), "scripts cannot read the session");
    }

    [Test, Order(2)]
    public void Is_usable_by_keyboard()
    {
        _browser.Navigate().GoToUrl(Url("/ui/instances"));
        WaitForHeading("Instances");
        var body = Find("body");
        body.SendKeys(Keys.Tab);
        Assert.That(_browser.SwitchTo().ActiveElement().Text, Is.EqualTo("Skip to content"));
        var reached = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            _browser.SwitchTo().ActiveElement().SendKeys(Keys.Tab);
            reached.Add(_browser.SwitchTo().ActiveElement().Text);
        }
        Assert.That(reached, Does.Contain("Images"), "tabbing walks the navigation");
        var images = _browser.SwitchTo().ActiveElement();
        while (images.Text != "Images") { images.SendKeys(Keys.Tab); images = _browser.SwitchTo().ActiveElement(); }
        images.SendKeys(Keys.Enter);
        WaitForHeading("Images");
        // From the content the page moved focus to, Tab reaches the first form's summary; Enter opens it and Tab enters its first field.
        IWebElement active = _browser.SwitchTo().ActiveElement();
        for (var i = 0; i < 6 && active.Text != "Upload image"; i++)
        {
            active.SendKeys(Keys.Tab);
            active = _browser.SwitchTo().ActiveElement();
        }
        Assert.That(active.TagName, Is.EqualTo("summary"), "Tab reaches the first panel after the heading");
        Assert.That(active.Text, Is.EqualTo("Upload image"));
        active.SendKeys(Keys.Enter);
        WaitFor(() => active.FindElement(By.XPath("..")).FindElements(By.CssSelector("form input")).Count > 0, "the panel opened by Enter");
        active.SendKeys(Keys.Tab);
        var field = _browser.SwitchTo().ActiveElement();
        Assert.That(field.TagName, Is.EqualTo("input"), "Tab enters the opened form");
        Assert.That(_browser.ExecuteScript("return document.activeElement.labels.length"), Is.EqualTo(1L), "the field reached has its label");
        active.SendKeys(Keys.Enter); // closes the panel again for the tests that follow
    }

    [Test, Order(3)]
    public void Launches_an_instance_from_the_form_and_sees_it_active()
    {
        Navigate("Instances", "Instances");
        CheckPageAndShoot("instances");
        var panel = OpenPanel("Launch instance");
        WaitFor(() => panel.FindElements(By.CssSelector("select[name=image] option")).Any(o => o.Text.Contains(_imageName, StringComparison.Ordinal)), "the image choices");
        _serverName = Unique("web");
        Field(panel, "Name").SendKeys(_serverName);
        Choose(Field(panel, "Image"), _imageName);
        Choose(Field(panel, "Flavor"), "m1.tiny");
        foreach (var option in Field(panel, "Networks").FindElements(By.TagName("option")).Where(o => o.Selected)) option.Click();
        Submit(panel, "Launch");
        WaitFor(() => _browser.FindElements(By.CssSelector("tbody tr")).Any(r => r.Text.Contains(_serverName, StringComparison.Ordinal) && r.Text.Contains("ACTIVE", StringComparison.Ordinal)),
            "the new instance ACTIVE in the table (without a reload)", 40);
        CheckPageAndShoot("instances-active");
    }

    [Test, Order(4)]
    public void Types_into_the_serial_console_and_sees_the_guest_answer()
    {
        Assume.That(_serverName, Is.Not.Empty, "needs the launched instance");
        // The table refreshes itself every few seconds: find the link by its label and click it in one go.
        WaitFor(() =>
        {
            Find($"a[aria-label='Serial console of {_serverName}']").Click();
            return true;
        }, "the console link");
        WaitFor(() => TryFind("#console-status")?.Text == "Connected.", "the console to connect");
        WaitFor(() => Find(".xterm-rows").Text.Contains("guest: ready", StringComparison.Ordinal), "the guest's first output");
        Find(".xterm").Click();
        new OpenQA.Selenium.Interactions.Actions(_browser).SendKeys("hello from chromium").SendKeys(Keys.Enter).Perform();
        WaitFor(() => Find(".xterm-rows").Text.Contains("HELLO FROM CHROMIUM", StringComparison.Ordinal), "the guest's echo in the terminal");
        CheckPageAndShoot("console");
    }

    [Test, Order(5)]
    public void Uploads_an_image_with_progress()
    {
        _browser.Navigate().GoToUrl(Url("/ui/images"));
        WaitForHeading("Images");
        CheckPageAndShoot("images");
        var file = Path.Combine(TestContext.CurrentContext.WorkDirectory, "upload-image.raw");
        File.WriteAllBytes(file, new byte[6 << 20]);
        var panel = OpenPanel("Upload image");
        var name = Unique("uploaded");
        Field(panel, "Image file").SendKeys(file);
        Field(panel, "Name").SendKeys(name);
        Submit(panel, "Upload");
        WaitFor(() => panel.FindElements(By.CssSelector("progress")).Count > 0, "a progress bar");
        WaitFor(() => panel.Text.Contains("Uploaded 6.0 MiB", StringComparison.Ordinal), "the upload to finish", 60);
        WaitFor(() => _browser.FindElements(By.CssSelector("tbody tr")).Any(r => r.Text.Contains(name, StringComparison.Ordinal) && r.Text.Contains("active", StringComparison.Ordinal)), "the image active in the list");
        File.Delete(file);
    }

    [Test, Order(6)]
    public async Task Uploads_a_20_MB_object_with_progress()
    {
        Navigate("Object store", "Object store");
        var container = Unique("bucket");
        var panel = OpenPanel("Create container");
        Field(panel, "Container name").SendKeys(container);
        Submit(panel, "Create");
        WaitFor(() => _browser.FindElements(By.LinkText(container)).Count > 0, "the new container");
        CheckPageAndShoot("object-store");
        _browser.FindElement(By.LinkText(container)).Click();
        WaitForHeading($"Container {container}");
        var file = Path.Combine(TestContext.CurrentContext.WorkDirectory, "twenty.bin");
        var data = new byte[20 << 20];
        new Random(5).NextBytes(data);
        await File.WriteAllBytesAsync(file, data);
        var upload = OpenPanel("Upload files");
        Field(upload, "Files").SendKeys(file);
        Submit(upload, "Upload");
        WaitFor(() => _browser.FindElements(By.CssSelector(".progress progress")).Count > 0, "a progress bar");
        WaitFor(() => _browser.FindElements(By.CssSelector(".progress")).Any(p => p.Text.Contains("Uploaded twenty.bin (20.0 MiB)", StringComparison.Ordinal)), "the 20 MB upload to finish", 90);
        WaitFor(() => _browser.FindElements(By.CssSelector("tbody tr")).Any(r => r.Text.Contains("twenty.bin", StringComparison.Ordinal)), "the object in the listing");
        CheckPageAndShoot("object-store-container");
        using var head = new HttpRequestMessage(HttpMethod.Head, $"/object-store/v1/AUTH_{(await ProjectIdAsync())}/{container}/twenty.bin");
        head.Headers.Add("X-Auth-Token", AdminToken);
        using var stored = await Cloud.Client.SendAsync(head);
        Assert.That(stored.Content.Headers.ContentLength, Is.EqualTo(data.Length));
        File.Delete(file);
    }

    private async Task<string> ProjectIdAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/identity/v3/auth/tokens");
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Headers.Add("X-Subject-Token", AdminToken);
        using var response = await Cloud.Client.SendAsync(request);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["token"]!["project"]!["id"]!.GetValue<string>();
    }

    [Test, Order(7)]
    public void Creates_a_network_subnet_and_router_and_sees_them_in_the_topology()
    {
        Navigate("Networks", "Networks");
        var net = Unique("net");
        var router = Unique("router");
        var panel = OpenPanel("Create network");
        Field(panel, "Network name").SendKeys(net);
        Submit(panel, "Create network");
        WaitFor(() => _browser.FindElements(By.CssSelector($"svg.topo g.net[data-name='{net}']")).Count > 0, "the network in the topology");

        panel = OpenPanel("Create subnet");
        WaitFor(() => panel.FindElements(By.CssSelector("option")).Any(o => o.Text == net), "the network among the subnet's choices");
        Choose(Field(panel, "Network"), net);
        Field(panel, "Subnet name").SendKeys(net + "-v4");
        Field(panel, "CIDR").SendKeys("10.77.0.0/24");
        Submit(panel, "Create subnet");
        WaitFor(() => _browser.FindElements(By.CssSelector("tbody tr")).Any(r => r.Text.Contains("10.77.0.0/24", StringComparison.Ordinal)), "the subnet in its table");

        panel = OpenPanel("Create router");
        WaitFor(() => panel.FindElements(By.CssSelector("form")).Count > 0, "the router form");
        Field(panel, "Router name").SendKeys(router);
        Submit(panel, "Create router");
        WaitFor(() => _browser.FindElements(By.CssSelector($"svg.topo g.router[data-name='{router}']")).Count > 0, "the router in the topology");

        panel = OpenPanel("Router interfaces and gateway");
        WaitFor(() => panel.FindElements(By.CssSelector("option")).Any(o => o.Text == router), "the router choices");
        var form = panel.FindElements(By.CssSelector("form"))[0];
        Choose(Field(form, "Router"), router);
        Choose(Field(form, "Subnet"), "10.77.0.0/24");
        Submit(form, "Add interface");
        WaitFor(() => _browser.FindElements(By.CssSelector("svg.topo line.wire")).Count > 0, "the router wired to the network");
        CheckPageAndShoot("networks");
    }

    [Test, Order(8)]
    public void Creates_and_attaches_a_volume()
    {
        Assume.That(_serverName, Is.Not.Empty, "needs the launched instance");
        Navigate("Volumes", "Volumes");
        var name = Unique("data");
        var panel = OpenPanel("Create volume");
        Field(panel, "Name").SendKeys(name);
        Submit(panel, "Create");
        WaitFor(() => _browser.FindElements(By.CssSelector("tbody tr")).Any(r => r.Text.Contains(name, StringComparison.Ordinal) && r.Text.Contains("available", StringComparison.Ordinal)), "the volume available", 30);
        panel = OpenPanel("Attach volume to an instance");
        Choose(Field(panel, "Volume"), name);
        Choose(Field(panel, "Instance"), _serverName);
        Submit(panel, "Attach");
        WaitFor(() => _browser.FindElements(By.CssSelector("tbody tr")).Any(r => r.Text.Contains(name, StringComparison.Ordinal) && r.Text.Contains("in-use", StringComparison.Ordinal)), "the volume in-use", 40);
        CheckPageAndShoot("volumes");
    }

    [Test, Order(8)]
    public async Task Creates_a_database_instance_opens_it_and_deletes_it()
    {
        Assume.That(_imageId, Is.Not.Empty, "needs the uploaded image");
        // An administrator registers the datastore (Trove's management API), as cloudbox admin datastore-add does.
        var (_, projects, _) = await Cloud.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", AdminToken);
        var adminProject = projects!["projects"]!.AsArray().First(p => p!["name"]!.GetValue<string>() == "admin")!["id"]!.GetValue<string>();
        var (registered, body, _) = await Cloud.SendAsync(HttpMethod.Post, $"/database/v1.0/{adminProject}/mgmt/datastore-versions", AdminToken, new JsonObject
        {
            ["version"] = new JsonObject
            {
                ["name"] = "15", ["datastore_name"] = "postgresql", ["datastore_manager"] = "postgresql", ["image"] = _imageId, ["active"] = true, ["default"] = true,
            },
        });
        Assert.That((int)registered, Is.InRange(200, 202), body?.ToJsonString());

        Navigate("Databases", "Databases");
        var name = Unique("pg");
        var panel = OpenPanel("Create database instance");
        Field(panel, "Name").SendKeys(name);
        Choose(Field(panel, "Datastore"), "postgresql 15");
        Choose(Field(panel, "Flavor"), "m1.tiny");
        Field(panel, "Initial database").SendKeys("db1");
        Field(panel, "Initial user").SendKeys("u1");
        Field(panel, "Password of the user").SendKeys("secret-1");
        Submit(panel, "Create");
        WaitFor(() => _browser.FindElements(By.CssSelector("table[aria-label='Database instances'] tbody tr"))
            .Any(r => r.Text.Contains(name, StringComparison.Ordinal) && r.Text.Contains("BUILD", StringComparison.Ordinal) && r.Text.Contains("postgresql 15", StringComparison.Ordinal)),
            "the instance building in the table");
        WaitFor(() => Find("table[aria-label='Database backups'] tbody").Text.Contains("No backups yet.", StringComparison.Ordinal), "the empty backups table");
        CheckPageAndShoot("databases");

        // Its page: the instance's facts, and databases and users that wait for its agent.
        ClickLink("table[aria-label='Database instances'] tbody a", name);
        WaitForHeading($"Database instance {name}");
        Assert.That(Find("dl.info").Text, Does.Contain("postgresql 15").And.Contain("1 GB"));
        Assert.That(Find("main").Text, Does.Contain("once the instance is ACTIVE"));
        CheckPageAndShoot("database-instance");

        _browser.FindElements(By.CssSelector("main a")).First(a => a.Text.Contains("All database instances", StringComparison.Ordinal)).Click();
        WaitForHeading("Databases");
        ClickButton(() => _browser.FindElement(By.CssSelector("table[aria-label='Database instances']")), t => t == "Delete", $"the Delete button of {name}");
        _browser.FindElement(By.Id("confirm-ok")).Click();
        WaitFor(() => !_browser.FindElements(By.CssSelector("table[aria-label='Database instances'] tbody tr")).Any(r => r.Text.Contains(name, StringComparison.Ordinal)),
            "the instance gone from the table", 40);
    }

    private const string StackTemplate = """
        heat_template_version: 2018-08-31
        description: A dashboard test stack
        parameters:
          flavour:
            type: string
            label: Flavour
            description: The greeting's first word
            default: plain
            constraints:
              - allowed_values: [plain, salted]
        resources:
          seed:
            type: OS::Heat::RandomString
            properties:
              length: 12
          greeting:
            type: OS::Heat::Value
            properties:
              value:
                str_replace:
                  template: word-seed
                  params:
                    word: {get_param: flavour}
                    seed: {get_attr: [seed, value]}
        outputs:
          greeting:
            description: The word and the seed
            value: {get_attr: [greeting, value]}
        """;

    /// <summary>Opens <paramref name="path"/>, logging in as admin first when the browser is not (a test run on its own).</summary>
    private void OpenLoggedIn(string path, string heading)
    {
        _browser.Navigate().GoToUrl(Url(path));
        WaitFor(() => _browser.Url.Contains("/dashboard/login", StringComparison.Ordinal) || TryFind("main h1")?.Text == heading, $"the page '{heading}' or the login");
        if (!_browser.Url.Contains("/dashboard/login", StringComparison.Ordinal)) return;
        LogIn("admin", Testing.TestCloud.AdminPassword);
        _browser.Navigate().GoToUrl(Url(path));
        WaitForHeading(heading);
    }

    [Test, Order(8)]
    public async Task Launches_a_stack_from_a_template_file_sees_its_graph_events_and_output_then_deletes_it()
    {
        OpenLoggedIn("/ui/orchestration", "Orchestration");
        CheckPageAndShoot("orchestration");
        var name = Unique("stack");

        // Heat's own message for a template it refuses, shown where the form's errors go.
        var panel = OpenPanel("Launch stack");
        Field(panel, "Stack name").SendKeys(name);
        Field(panel, "Template (YAML or JSON)").SendKeys("heat_template_version: 2018-08-31\nresources:\n  broken:\n    type: OS::No::Such\n");
        Submit(panel, "Next: parameters");
        WaitFor(() => panel.FindElements(By.CssSelector("p.error")).Any(e => e.Displayed && e.Text.Contains("OS::No::Such", StringComparison.Ordinal)), "Heat's validation error in the form");

        // The template from a file (read by the browser), its parameter as a select of its allowed values.
        var file = Path.Combine(Path.GetTempPath(), name + ".yaml");
        await File.WriteAllTextAsync(file, StackTemplate);
        try
        {
            Field(panel, "Template (YAML or JSON)").Clear();
            Field(panel, "Template file").SendKeys(file);
            Submit(panel, "Next: parameters");
            WaitFor(() => panel.FindElements(By.CssSelector("select[name=flavour]")).Count > 0, "the parameters form");
        }
        finally
        {
            File.Delete(file);
        }
        var flavour = Field(panel, "Flavour (flavour)");
        Assert.That(flavour.FindElements(By.TagName("option")).Select(o => o.Text), Is.EqualTo(new[] { "plain", "salted" }));
        Assert.That(flavour.GetAttribute("value"), Is.EqualTo("plain"), "the default is chosen");
        Choose(flavour, "salted");
        Submit(panel, "Launch stack");
        WaitFor(() => _browser.FindElements(By.CssSelector("tbody tr")).Any(r => r.Text.Contains(name, StringComparison.Ordinal) && r.Text.Contains("CREATE_COMPLETE", StringComparison.Ordinal)),
            "the stack CREATE_COMPLETE in the list", 40);
        CheckPageAndShoot("orchestration-list");

        ClickLink("tbody a", name);
        WaitForHeading($"Stack {name}");
        WaitFor(() => _browser.FindElements(By.CssSelector("svg.stackgraph g.resource.ok")).Count == 2, "both resources complete in the graph");
        Assert.That(_browser.FindElements(By.CssSelector("svg.stackgraph g.resource")).Select(g => g.GetAttribute("data-name")), Is.EquivalentTo(new[] { "seed", "greeting" }));
        Assert.That(_browser.FindElements(By.CssSelector("svg.stackgraph path.edge[data-from='seed'][data-to='greeting']")), Has.Count.EqualTo(1), "greeting needs seed");
        var seedY = double.Parse(Find("svg.stackgraph g[data-name='seed'] rect").GetAttribute("y")!, System.Globalization.CultureInfo.InvariantCulture);
        var greetingY = double.Parse(Find("svg.stackgraph g[data-name='greeting'] rect").GetAttribute("y")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(seedY, Is.LessThan(greetingY), "a dependency sits in a layer above what needs it");

        var events = _browser.FindElements(By.CssSelector("table[aria-label='Events'] tbody tr")).Select(r => r.Text).ToList();
        Assert.That(events, Has.Some.Contain("seed").And.Contain("CREATE_COMPLETE"));
        Assert.That(events, Has.Some.Contain("greeting").And.Contain("CREATE_COMPLETE"));
        Assert.That(events[0], Does.Contain("CREATE_COMPLETE").And.Contain(name), "newest first: the stack's own completion");
        var output = Find("table[aria-label='Outputs'] tbody tr[data-id='greeting']");
        var cells = output.FindElements(By.TagName("td")).Select(c => c.Text).ToList();
        Assert.That(cells[1], Does.Match("^salted-[A-Za-z0-9]{12}$"), "the output resolved with the chosen parameter");
        Assert.That(cells[2], Is.EqualTo("The word and the seed"));
        CheckPageAndShoot("orchestration-stack");

        _browser.FindElements(By.CssSelector("main button.danger")).First(b => b.Text == "Delete stack").Click();
        WaitFor(() => Find("#confirm").Displayed, "the confirmation");
        Find("#confirm-ok").Click();
        WaitForHeading("Orchestration");
        WaitFor(() => !_browser.FindElements(By.CssSelector("tbody tr")).Any(r => r.Text.Contains(name, StringComparison.Ordinal)), "the stack gone from the list", 40);
        var (status, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/orchestration/v1/{await ProjectIdAsync()}/stacks/{name}", AdminToken);
        Assert.That((int)status, Is.EqualTo(404), "Heat no longer finds the stack");
    }

    [Test, Order(9)]
    public void Every_other_page_has_one_heading_and_labelled_controls()
    {
        foreach (var (link, heading, shot) in new[]
        {
            ("Security groups", "Security groups", "security-groups"), ("Floating IPs", "Floating IPs", "floating-ips"), ("Key pairs", "Key pairs", "key-pairs"),
            ("Account", "Account", "account"), ("Identity", "Identity", "identity"), ("System", "System", "system"),
        })
        {
            Navigate(link, heading);
            CheckPageAndShoot(shot);
        }
        Assert.That(Find("main").Text, Does.Contain(_serverName), "System lists every project's instances");
    }

    [Test, Order(9)]
    public async Task Identity_revokes_a_role_and_adds_a_group_member()
    {
        var userName = Unique("staff");
        var (_, userId) = await Cloud.CreateUserWithRoleAsync(AdminToken, Unique("team"), userName, "staff-pw", "member");
        var group = Unique("ops");
        var (_, created, _) = await Cloud.SendAsync(HttpMethod.Post, "/identity/v3/groups", AdminToken, new JsonObject { ["group"] = new JsonObject { ["name"] = group } });
        var groupId = created!["group"]!["id"]!.GetValue<string>();
        _browser.Navigate().GoToUrl(Url("/ui/identity"));
        WaitForHeading("Identity");

        var panel = OpenPanel("Add a user to a group");
        WaitFor(() => panel.FindElements(By.CssSelector("select")).Count == 2, "the member and group choices");
        Choose(Field(panel, "Member"), userName);
        Choose(Field(panel, "Group"), group);
        Submit(panel, "Add to group");
        await WaitForApiAsync(HttpMethod.Head, $"/identity/v3/groups/{groupId}/users/{userId}", System.Net.HttpStatusCode.NoContent, "the user in the group");

        var revoke = $"button[aria-label='Revoke member from user {userName}']";
        WaitFor(() => TryFind(revoke) is not null, "the user's role assignment with a revoke button");
        Find(revoke).Click();
        WaitFor(() => Find("#confirm").Displayed, "the confirmation");
        Find("#confirm-ok").Click();
        WaitFor(() => TryFind(revoke) is null, "the assignment gone from the table");
        var (_, assignments, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/role_assignments?user.id={userId}", AdminToken);
        Assert.That(assignments!["role_assignments"]!.AsArray(), Is.Empty, "the role was revoked through the API");
    }

    private async Task WaitForApiAsync(HttpMethod method, string path, System.Net.HttpStatusCode expected, string what)
    {
        for (var i = 0; i < 100; i++)
        {
            var (status, _, _) = await Cloud.SendAsync(method, path, AdminToken);
            if (status == expected) return;
            await Task.Delay(100);
        }
        Assert.Fail($"timed out waiting for {what}");
    }

    [Test, Order(10)]
    public async Task A_forged_cross_site_post_is_refused()
    {
        var name = Unique("forged");
        // localhost and 127.0.0.1 are different sites: a page there is the attacker's.
        _browser.Navigate().GoToUrl(Cloud.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/dashboard/login");
        var status = _browser.ExecuteAsyncScript(
            "const done = arguments[arguments.length - 1];" +
            $"fetch('{Cloud.BaseUrl}/compute/v2.1/os-keypairs', {{ method: 'POST', mode: 'no-cors', credentials: 'include', headers: {{ 'Content-Type': 'text/plain' }}, body: JSON.stringify({{ keypair: {{ name: '{name}' }} }}) }})" +
            ".then(r => done('sent ' + r.type)).catch(e => done('blocked ' + e));");
        Assert.That(status, Is.Not.Null);
        var (_, keys, _) = await Cloud.SendAsync(HttpMethod.Get, "/compute/v2.1/os-keypairs", AdminToken);
        Assert.That(keys!.ToJsonString(), Does.Not.Contain(name), "the forged request did not act");
        _browser.Navigate().GoToUrl(Url("/ui/overview"));
        WaitForHeading("Overview");
    }

    [Test, Order(11)]
    public async Task The_instances_table_asks_the_server_for_one_sorted_filtered_page_at_a_time()
    {
        var project = await ProjectIdAsync();
        var (lifted, _, _) = await Cloud.SendAsync(HttpMethod.Put, $"/compute/v2.1/os-quota-sets/{project}", AdminToken,
            new JsonObject { ["quota_set"] = new JsonObject { ["instances"] = -1, ["cores"] = -1, ["ram"] = -1 } });
        Assert.That(lifted, Is.EqualTo(System.Net.HttpStatusCode.OK));
        var prefix = Unique("zz-page"); // after every other instance's name, so earlier tests' pages are unchanged
        for (var i = 0; i < 30; i++)
        {
            var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/compute/v2.1/servers", AdminToken, new JsonObject
            {
                ["server"] = new JsonObject { ["name"] = $"{prefix}-{i:D2}", ["imageRef"] = _imageId, ["flavorRef"] = "1", ["networks"] = "none" },
            });
            Assert.That(status, Is.EqualTo(System.Net.HttpStatusCode.Accepted), body?.ToJsonString());
        }
        _browser.Navigate().GoToUrl(Url("/ui/instances"));
        WaitForHeading("Instances");
        Field(Find("main"), "Filter by name").SendKeys(prefix);
        IReadOnlyList<string> Names() => _browser.FindElements(By.CssSelector("tbody tr[data-id] td[data-col=name]")).Select(c => c.Text).ToList();
        WaitFor(() => Names() is { Count: 25 } names && names[0] == $"{prefix}-00" && names[^1] == $"{prefix}-24", "the first page of 25, by name");
        ClickButton(() => Find("main"), text => text == "Next page", "Next page");
        WaitFor(() => Names().SequenceEqual(Enumerable.Range(25, 5).Select(i => $"{prefix}-{i:D2}")), "the second page: the last 5");
        WaitFor(() => !Find("main").FindElements(By.TagName("button")).First(b => b.Text == "Next page").Enabled, "no page after the last");
        ClickButton(() => Find("main"), text => text == "Previous page", "Previous page");
        WaitFor(() => Names() is { Count: 25 } names && names[0] == $"{prefix}-00", "back on the first page");
        ClickButton(() => Find("thead"), text => text.StartsWith("Name", StringComparison.Ordinal), "the Name column's sort button");
        WaitFor(() => Names() is { Count: 25 } names && names[0] == $"{prefix}-29" && names[^1] == $"{prefix}-05", "the first page sorted by name descending");
        CheckPageAndShoot("instances-paged");
        // Every list request was one page, sorted and filtered by Nova, never the whole list.
        var requests = ((IReadOnlyCollection<object>)_browser.ExecuteScript(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/compute/v2.1/servers/detail'))")!).Select(o => (string)o).ToList();
        Assert.That(requests, Is.Not.Empty);
        Assert.That(requests, Has.All.Contain("limit=25").And.All.Contain("sort_key=display_name"));
        Assert.That(requests, Has.Some.Contain("sort_dir=desc").And.Some.Contain("marker="));
    }

    [Test, Order(11)]
    public async Task The_images_and_networks_tables_ask_their_services_for_one_sorted_page_and_follow_next()
    {
        // 30 of each, named after every other image and network, so sorting by name descending puts them first.
        var images = Unique("zz-img");
        var networks = Unique("zz-net");
        for (var i = 0; i < 30; i++)
        {
            var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/image/v2/images", AdminToken,
                new JsonObject { ["name"] = $"{images}-{i:D2}", ["disk_format"] = "raw", ["container_format"] = "bare" });
            Assert.That(status, Is.EqualTo(System.Net.HttpStatusCode.Created), body?.ToJsonString());
            (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0/networks", AdminToken,
                new JsonObject { ["network"] = new JsonObject { ["name"] = $"{networks}-{i:D2}" } });
            Assert.That(status, Is.EqualTo(System.Net.HttpStatusCode.Created), body?.ToJsonString());
        }
        CheckPagedTable("/ui/images", "Images", "Images", images, "/image/v2/images?", "sort_key=name");
        CheckPagedTable("/ui/networks", "Networks", "Networks", networks, "/network/v2.0/networks?", "sort_key=name");
    }

    [Test, Order(11)]
    public async Task The_stacks_table_asks_heat_for_one_sorted_page_and_follows_next()
    {
        var project = await ProjectIdAsync();
        var stacks = Unique("zz-stack");
        for (var i = 0; i < 30; i++)
        {
            var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, $"/orchestration/v1/{project}/stacks", AdminToken,
                new JsonObject { ["stack_name"] = $"{stacks}-{i:D2}", ["template"] = new JsonObject { ["heat_template_version"] = "2018-08-31" } });
            Assert.That(status, Is.EqualTo(System.Net.HttpStatusCode.Created), body?.ToJsonString());
        }
        OpenLoggedIn("/ui/orchestration", "Orchestration");
        // Heat sends no next link: the page asks for one more stack than it shows (limit=26) to know whether a next page exists.
        CheckPagedTable("/ui/orchestration", "Orchestration", "Stacks", stacks, $"/orchestration/v1/{project}/stacks?", "sort_keys=stack_name", column: "stack_name", limit: "limit=26", sortedOnly: true);
    }

    /// <summary>
    /// The table labelled <paramref name="label"/> on <paramref name="path"/>, sorted by name descending, shows the 30
    /// rows named <paramref name="prefix"/>-29…-00 as a page of 25 and, after Next page, the last 5 first; every list
    /// request it made asked for one page (limit=25, the sort) and one followed the service's next link (marker=).
    /// </summary>
    private void CheckPagedTable(string path, string heading, string label, string prefix, string requestPath, string sort, string column = "name", string limit = "limit=25", bool sortedOnly = false)
    {
        _browser.Navigate().GoToUrl(Url(path));
        WaitForHeading(heading);
        // Looked up each time: a table that polls re-renders, and an element held across that goes stale.
        IWebElement Holder() => _browser.FindElement(By.XPath($"//table[@aria-label='{label}']/ancestor::div[contains(@class,'table')][1]"));
        IReadOnlyList<string> Names() => Holder().FindElements(By.CssSelector($"tbody tr[data-id] td[data-col={column}]")).Select(c => c.Text).ToList();
        WaitFor(() => Names().Count == 25, $"{label}: the first page of 25");
        // One click on a table sorted by name (ascending) turns it; a table sorted by another column needs two.
        WaitFor(() =>
        {
            var button = Holder().FindElements(By.CssSelector("thead th button")).First(b => b.Text.StartsWith("Name", StringComparison.Ordinal));
            if (button.FindElement(By.XPath("..")).GetAttribute("aria-sort") == "descending") return true;
            button.Click();
            return false;
        }, $"{label}: the Name column sorted descending");
        WaitFor(() => Names() is { Count: 25 } names && names[0] == $"{prefix}-29" && names[^1] == $"{prefix}-05", $"{label}: the first page sorted by name descending");
        ClickButton(Holder, text => text == "Next page", $"{label}: Next page");
        WaitFor(() => Names().Take(5).SequenceEqual(Enumerable.Range(0, 5).Reverse().Select(i => $"{prefix}-{i:D2}")), $"{label}: the second page starts with the last 5");
        ClickButton(Holder, text => text == "Previous page", $"{label}: Previous page");
        WaitFor(() => Names() is { Count: 25 } names && names[0] == $"{prefix}-29", $"{label}: back on the first page");
        CheckPageAndShoot($"{heading.ToLowerInvariant()}-paged");
        var requests = ((IReadOnlyCollection<object>)_browser.ExecuteScript(
            $"return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('{requestPath}'))")!).Select(o => (string)o)
            .Where(r => !r.Contains("router:external=true", StringComparison.Ordinal)).ToList(); // the forms' choices of external networks, not the table
        Assert.That(requests, Is.Not.Empty);
        Assert.That(requests, Has.All.Contain(limit), label);
        // The stacks table's first request sorts by its default (creation time); every one after the click sorts by name.
        var sorted = sortedOnly ? requests.SkipWhile(r => !r.Contains(sort, StringComparison.Ordinal)).ToList() : requests;
        Assert.That(sorted, Has.Count.GreaterThanOrEqualTo(sortedOnly ? 3 : 1).And.All.Contain(sort), label);
        Assert.That(requests, Has.Some.Contain("sort_dir=desc").And.Some.Contain("marker="), label);
    }

    [Test, Order(12)]
    public void Logs_out()
    {
        Find("#logout").Click();
        WaitFor(() => _browser.Url.Contains("/dashboard/login", StringComparison.Ordinal), "the login page");
        _browser.Navigate().GoToUrl(Url("/ui/instances"));
        WaitFor(() => _browser.Url.Contains("/dashboard/login", StringComparison.Ordinal), "a logged-out browser sent to the login page");
    }

    [Test, Order(13)]
    public async Task A_member_sees_no_admin_pages()
    {
        var user = Unique("member");
        await Cloud.CreateUserWithRoleAsync(AdminToken, Unique("proj"), user, "member-pw", "member");
        LogIn(user, "member-pw");
        var links = _browser.FindElements(By.CssSelector("nav#nav a")).Select(a => a.Text).ToList();
        Assert.That(links, Does.Not.Contain("Identity").And.Not.Contain("System"));
        _browser.Navigate().GoToUrl(Url("/ui/identity"));
        WaitFor(() => TryFind("h1")?.Text == "Forbidden", "the forbidden page");
        CheckPageAndShoot("member-forbidden");
        _browser.Navigate().GoToUrl(Url("/ui/instances"));
        WaitForHeading("Instances");
        Assert.That(Find("main").Text, Does.Not.Contain(_serverName), "a member sees only their project's instances");
    }
}
