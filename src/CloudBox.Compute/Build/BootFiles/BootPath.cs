namespace CloudBox.Compute.Build.BootFiles;

/// <summary>Path splitting shared by the file system readers: bounded depth, no "..", no empty parts.</summary>
internal static class BootPath
{
    public const int MaxComponents = 64;
    public const int MaxSymlinks = 16;

    public static List<string> Split(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
            if (parts.Count > MaxComponents)
                throw new BootFormatException($"path {path} is too deep");
        }
        return parts;
    }
}
