namespace CloudBox.Core.Compute;

/// <summary>One answer of the metadata service: status, content type and body.</summary>
public sealed record MetadataAnswer(int StatusCode, string ContentType, byte[] Body);

/// <summary>
/// The metadata service's content for one instance (implemented by Compute, used by Networking's
/// 169.254.169.254 proxy), in process. Networking has already established which instance asks
/// (by the network and the source address of the request), so no signature is needed.
/// </summary>
public interface IInstanceMetadata
{
    /// <summary>
    /// Answers a GET of <paramref name="path"/> (as the guest sent it, e.g. <c>/openstack/latest/meta_data.json</c>,
    /// <c>/latest/meta-data/local-ipv4</c>, <c>/</c>) for the instance; 404 when the instance or path is unknown.
    /// </summary>
    Task<MetadataAnswer> GetAsync(string instanceId, string path, CancellationToken cancellationToken);
}
