using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CloudBox.Core.Tests.Architecture;

/// <summary>
/// The boundaries of ARCHITECTURE.md, enforced: modules reach each other only through
/// CloudBox.Core; only CloudBox.Linux declares P/Invoke; only the host lists every module.
/// </summary>
public partial class ArchitectureTests
{
    private static readonly string Root = FindRoot();

    /// <summary>Service modules: projects that hold one OpenStack service.</summary>
    private static readonly string[] Modules =
        ["Identity", "Compute", "Images", "Networking", "Volumes", "Objects", "Ec2", "Telemetry", "Orchestration", "Databases", "Dashboard"];

    /// <summary>What each kind of project may reference.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["CloudBox.Core"] = [],
        ["CloudBox.Linux"] = [],
        ["CloudBox.BlockEngine"] = ["CloudBox.Linux"],
        ["CloudBox.Hypervisor"] = ["CloudBox.Linux", "CloudBox.BlockEngine"],
    };

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CloudBox.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("CloudBox.sln not found above the test binaries");
    }

    private static IEnumerable<string> References(string project)
    {
        var file = Path.Combine(Root, "src", project, project + ".csproj");
        return XDocument.Load(file).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')));
    }

    [Test]
    public void ModulesReferenceOnlyCoreAndTheLowerLayers()
    {
        foreach (var project in Directory.GetDirectories(Path.Combine(Root, "src")).Select(Path.GetFileName))
        {
            if (project is null or "CloudBox")
                continue;
            var module = project.Replace("CloudBox.", "", StringComparison.Ordinal);
            var allowed = Allowed.TryGetValue(project, out var layer)
                ? layer
                : Array.IndexOf(Modules, module) >= 0
                    // The VMM's control API records are Compute's contract with it; no other module talks to a VMM.
                    ? module == "Compute"
                        ? ["CloudBox.Core", "CloudBox.Linux", "CloudBox.BlockEngine", "CloudBox.Hypervisor"]
                        : ["CloudBox.Core", "CloudBox.Linux", "CloudBox.BlockEngine"]
                    : throw new AssertionException($"src/{project} is neither a module nor a known layer: add it to ArchitectureTests.");
            foreach (var reference in References(project))
                Assert.That(allowed, Does.Contain(reference), $"src/{project} must not reference {reference}");
        }
    }

    [Test]
    public void OnlyCloudBoxLinuxDeclaresPInvoke()
    {
        var offenders = Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => !f.StartsWith(Path.Combine(Root, "src", "CloudBox.Linux"), StringComparison.Ordinal))
            .Where(f => PInvoke().IsMatch(File.ReadAllText(f)))
            .ToList();
        Assert.That(offenders, Is.Empty);
    }

    [Test]
    public void ModuleTablesCarryTheModulePrefix()
    {
        foreach (var module in CloudBox.Program.CreateModules())
        {
            foreach (var migration in module.Migrations)
            {
                foreach (Match created in CreatedTable().Matches(migration.Sql))
                    Assert.That(created.Groups["name"].Value, Does.StartWith(module.Name + "_"), $"{module.Name} migration {migration.Version}");
            }
        }
    }

    [Test]
    public void EveryModuleIsMountedOnItsOwnPath()
    {
        var prefixes = CloudBox.Program.CreateModules().Select(m => m.Catalog.PathPrefix).ToList();
        Assert.That(prefixes, Is.Unique);
        Assert.That(prefixes, Has.All.StartWith("/"));
    }

    [GeneratedRegex(@"\[(DllImport|LibraryImport)\b")]
    private static partial Regex PInvoke();

    [GeneratedRegex(@"CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(?<name>\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex CreatedTable();
}
