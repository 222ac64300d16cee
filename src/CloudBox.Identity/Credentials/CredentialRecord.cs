namespace CloudBox.Identity.Credentials;

public sealed class CredentialRecord
{
    public const string Ec2Type = "ec2";

    public string Id { get; set; } = "";
    public string UserId { get; set; } = "";
    public string? ProjectId { get; set; }
    public string Type { get; set; } = "";

    /// <summary>The blob, sealed with the credential key: secrets never rest in the database in clear.</summary>
    public string EncryptedBlob { get; set; } = "";

    /// <summary>For EC2 credentials, the access key, indexed so S3 requests find their secret in one lookup.</summary>
    public string? AccessKey { get; set; }
    public string CreatedAt { get; set; } = "";
}
