using System.Reflection;

namespace CloudBox.Commands;

public static class VersionCommand
{
    public static string Version =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static int Run()
    {
        Console.WriteLine($"cloudbox {Version}");
        return 0;
    }
}
