using CloudBox.Core.Compute;
using CloudBox.Ec2.Data;
using CloudBox.Ec2.Ids;

namespace CloudBox.Ec2.Metadata;

/// <summary>The metadata service's EC2 tree answers the ids this API shows (made here if the instance was never shown yet).</summary>
internal sealed class Ec2InstanceIds(Ec2IdStore ids, ReservationStore reservations) : IEc2InstanceIds
{
    public async Task<Ec2InstanceIdentity?> FindAsync(string serverId, string? imageId, CancellationToken cancellationToken)
    {
        var instance = await ids.Ec2IdAsync(Ec2Kind.Instance, serverId, cancellationToken);
        var image = imageId is null ? null : await ids.Ec2IdAsync(Ec2Kind.Image, imageId, cancellationToken);
        var reservation = (await reservations.ForAsync([serverId], cancellationToken)).GetValueOrDefault(serverId)?.ReservationId
                          ?? Reservations.Of(instance);
        return new Ec2InstanceIdentity(instance, image, reservation);
    }
}
