namespace CloudBox.Hypervisor.Tests;

/// <summary>The published binary the out-of-process VMM tests run (CLOUDBOX_BIN or .build/cloudbox/cloudbox, as the Compute tests find it).</summary>
internal static class CloudBoxBinary
{
    public static string Find()
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "CloudBox.sln")))
            root = Path.GetDirectoryName(root);
        var binary = Environment.GetEnvironmentVariable("CLOUDBOX_BIN") ?? (root is null ? "" : Path.Combine(root, ".build", "cloudbox", "cloudbox"));
        if (!File.Exists(binary))
            Assert.Ignore($"no published cloudbox binary at {binary} (set CLOUDBOX_BIN)");
        return binary;
    }
}
