namespace CloudBox.Compute.Tests;

/// <summary>
/// What the real-VM tests share with the acceptance scripts and benchmarks: the repository they run in, and the
/// kernel options the packaging/guest test guest boots with on this slow, emulated host (packaging/guest/kernel-cmdline).
/// </summary>
internal static class TestGuest
{
    public static string RepositoryRoot
    {
        get
        {
            var root = AppContext.BaseDirectory;
            while (root is not null && !File.Exists(Path.Combine(root, "CloudBox.sln")))
                root = Path.GetDirectoryName(root);
            return root ?? throw new InvalidOperationException("not inside the repository (no CloudBox.sln above " + AppContext.BaseDirectory + ")");
        }
    }

    /// <summary>The serial console (the tests read the kernel's banner from it) and the shared options.</summary>
    public static string CommandLine =>
        "console=ttyS0 " + File.ReadAllText(Path.Combine(RepositoryRoot, "packaging", "guest", "kernel-cmdline")).Trim();
}
