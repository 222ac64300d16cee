using System.Text;
using CloudBox.Compute.Build.BootFiles;

namespace CloudBox.Compute.Tests.BootFiles;

/// <summary>A file system held in a dictionary, for the boot-configuration dialect tests.</summary>
internal sealed class MemoryFileSystem(string uuid, Dictionary<string, string> files) : IBootFileSystem
{
    public string Kind => "ext4";
    public string Uuid => uuid;
    public string Label => "";

    public BootFile? Open(string path) => files.TryGetValue("/" + string.Join('/', BootPath.Split(path)), out var text) ? new MemoryFile(Encoding.UTF8.GetBytes(text)) : null;

    public IReadOnlyList<string>? List(string path)
    {
        var prefix = "/" + string.Join('/', BootPath.Split(path));
        prefix = prefix == "/" ? "/" : prefix + "/";
        var names = files.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k[prefix.Length..].Split('/')[0]).Distinct().ToList();
        return names.Count == 0 ? null : names;
    }

    private sealed class MemoryFile(byte[] data) : BootFile
    {
        public override long Length => data.Length;
        public override void CopyTo(Stream output, long maxBytes, CancellationToken cancellationToken) => output.Write(data);
    }
}
