using CloudBox.Compute.Networking;
using CloudBox.Compute.Servers;
using CloudBox.Core.Compute;

namespace CloudBox.Compute.Metadata;

/// <summary>
/// The metadata service's content (<see cref="IInstanceMetadata"/>), asked for by Networking's
/// 169.254.169.254 proxy once it knows which instance is asking: the same content as the config drive.
/// </summary>
public sealed class InstanceMetadataService(ServerStore servers, ServerNetworks networks, IEc2InstanceIds ec2Ids) : IInstanceMetadata
{
    public async Task<MetadataAnswer> GetAsync(string instanceId, string path, CancellationToken cancellationToken)
    {
        var server = await servers.FindAsync(instanceId, cancellationToken);
        if (server is null || server.Deleted)
            return MetadataContent.NotFound;
        var ports = await networks.ListAsync(server.Id, cancellationToken);
        var ec2 = await ec2Ids.FindAsync(server.Id, string.IsNullOrEmpty(server.ImageId) ? null : server.ImageId, cancellationToken);
        return new MetadataContent(server, ports, ec2).Answer(path);
    }
}
