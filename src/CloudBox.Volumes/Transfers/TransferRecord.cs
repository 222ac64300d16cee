namespace CloudBox.Volumes.Transfers;

/// <summary>
/// An offer to give a volume (and its snapshots) to whichever project presents the key. Only a
/// salted hash of the key is kept: the key itself is shown once, when the transfer is created.
/// </summary>
public sealed class TransferRecord
{
    public string Id { get; set; } = "";
    public string VolumeId { get; set; } = "";

    /// <summary>The project giving the volume away.</summary>
    public string ProjectId { get; set; } = "";

    public string? Name { get; set; }
    public string Salt { get; set; } = "";
    public string CryptHash { get; set; } = "";
    public string CreatedAt { get; set; } = "";
}
