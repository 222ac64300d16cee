using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace CloudBox.Dashboard.Assets;

/// <summary>
/// The browser app, embedded in this assembly (so the single-file binary carries it). All assets share one
/// fingerprint, the hash of their contents, in their URL (<c>/assets/3f2a1c0b9d/app.js</c>): relative ES-module
/// imports keep working, any change makes new URLs, so every asset can be cached forever. The HTML shells
/// (<c>index.html</c>, <c>login.html</c>) are rendered with that prefix and never cached.
/// </summary>
internal sealed class AssetCatalog
{
    private const string ResourcePrefix = "wwwroot/";
    private readonly Dictionary<string, Asset> _assets = new(StringComparer.Ordinal);

    public AssetCatalog()
    {
        var assembly = typeof(AssetCatalog).Assembly;
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var contents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in names)
        {
            var content = Read(assembly, name);
            var path = name[ResourcePrefix.Length..];
            contents[path] = content;
            hash.AppendData(Encoding.UTF8.GetBytes(path));
            hash.AppendData(content);
        }
        Version = Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
        Prefix = $"/assets/{Version}/";
        foreach (var (path, content) in contents)
        {
            if (path.EndsWith(".html", StringComparison.Ordinal)) continue;
            _assets[path] = new Asset(path, content, Asset.ContentTypeFor(path), $"\"{Version}\"");
        }
        IndexHtml = Render(contents, "index.html");
        LoginHtml = Encoding.UTF8.GetString(Render(contents, "login.html"));
    }

    /// <summary>The fingerprint every asset URL carries.</summary>
    public string Version { get; }

    /// <summary><c>/assets/{version}/</c>.</summary>
    public string Prefix { get; }

    public byte[] IndexHtml { get; }

    /// <summary>The login page with <c>{{message}}</c> still to fill.</summary>
    public string LoginHtml { get; }

    public IReadOnlyCollection<Asset> All => _assets.Values;

    public Asset? Find(string path) => _assets.GetValueOrDefault(path);

    private byte[] Render(Dictionary<string, byte[]> contents, string name) =>
        Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(contents.GetValueOrDefault(name) ?? throw new InvalidOperationException($"asset {name} is not embedded"))
            .Replace("{{assets}}", Prefix, StringComparison.Ordinal)
            .Replace("{{version}}", ProductVersion, StringComparison.Ordinal));

    private static string ProductVersion =>
        (Assembly.GetEntryAssembly() ?? typeof(AssetCatalog).Assembly).GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
