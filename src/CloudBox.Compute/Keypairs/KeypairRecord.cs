namespace CloudBox.Compute.Keypairs;

/// <summary>One key pair of one user; only the public half is ever stored.</summary>
public sealed class KeypairRecord
{
    public long Id { get; set; }
    public string UserId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Type { get; set; } = "ssh";
    public string PublicKey { get; set; } = "";
    public string Fingerprint { get; set; } = "";
    public string CreatedAt { get; set; } = "";
}
