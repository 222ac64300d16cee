using CloudBox.Core.Ids;
using CloudBox.Core.Modules;

namespace CloudBox.Volumes.Types;

/// <summary>Creates Cinder's <c>__DEFAULT__</c> volume type on first start.</summary>
public sealed class DefaultTypeBootstrap(VolumeTypeStore types, TimeProvider clock) : IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (await types.FindAsync(VolumeTypeRecord.DefaultName, cancellationToken) is not null)
            return;
        await types.InsertAsync(new VolumeTypeRecord
        {
            Id = Identifiers.NewUuid(), Name = VolumeTypeRecord.DefaultName, Description = "Default Volume Type",
            CreatedAt = Timestamps.ToStorage(clock.GetUtcNow()),
        }, cancellationToken);
    }
}
