using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Modules;

/// <summary>The modules this process hosts, as listed in Program.cs, and which one owns a path.</summary>
public sealed class ModuleRegistry(IReadOnlyList<ICloudModule> modules)
{
    public IReadOnlyList<ICloudModule> Modules { get; } = modules;

    public ICloudModule? FindByPath(PathString path)
    {
        foreach (var module in Modules)
        {
            if (path.StartsWithSegments(module.Catalog.PathPrefix, StringComparison.OrdinalIgnoreCase))
                return module;
        }
        return null;
    }
}
