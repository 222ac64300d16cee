using CloudBox.Core.Ids;
using CloudBox.Core.Modules;

namespace CloudBox.Compute.Flavors;

/// <summary>On a fresh cloud, creates Nova's classic flavors m1.tiny … m1.xlarge (ids 1–5).</summary>
public sealed class DefaultFlavors(FlavorStore flavors, TimeProvider clock) : IStartupTask
{
    private static readonly (string Id, string Name, int Vcpus, int Ram, int Disk)[] Classic =
    [
        ("1", "m1.tiny", 1, 512, 1),
        ("2", "m1.small", 1, 2048, 20),
        ("3", "m1.medium", 2, 4096, 40),
        ("4", "m1.large", 4, 8192, 80),
        ("5", "m1.xlarge", 8, 16384, 160),
    ];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (await flavors.CountAsync(cancellationToken) > 0)
            return;
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        foreach (var (id, name, vcpus, ram, disk) in Classic)
        {
            // A concurrent first start of another node may have inserted it already; that is fine.
            await flavors.InsertAsync(new FlavorRecord { Id = id, Name = name, Vcpus = vcpus, Ram = ram, Disk = disk, CreatedAt = now }, cancellationToken);
        }
    }
}
