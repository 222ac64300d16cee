namespace CloudBox.Core.Compute;

/// <summary>The EC2 ids of an instance, as the EC2 API shows them (<c>i-…</c>, <c>ami-…</c>, <c>r-…</c>).</summary>
public sealed record Ec2InstanceIdentity(string InstanceId, string? ImageId, string ReservationId);

/// <summary>
/// The EC2 ids the metadata service's EC2 tree answers with (<c>instance-id</c>, <c>ami-id</c>,
/// <c>reservation-id</c>), implemented by the EC2 module; without it the tree shows OpenStack ids.
/// </summary>
public interface IEc2InstanceIds
{
    /// <summary>The instance's EC2 ids, or null when no EC2 API is hosted.</summary>
    Task<Ec2InstanceIdentity?> FindAsync(string serverId, string? imageId, CancellationToken cancellationToken);
}

/// <summary>No EC2 API: the metadata tree keeps OpenStack's ids.</summary>
public sealed class NullEc2InstanceIds : IEc2InstanceIds
{
    public static readonly NullEc2InstanceIds Instance = new();

    public Task<Ec2InstanceIdentity?> FindAsync(string serverId, string? imageId, CancellationToken cancellationToken) =>
        Task.FromResult<Ec2InstanceIdentity?>(null);
}
