namespace CloudBox.Identity.Endpoints;

public sealed class EndpointRecord
{
    public const string Public = "public";
    public const string Internal = "internal";
    public const string Admin = "admin";

    public string Id { get; set; } = "";
    public string ServiceId { get; set; } = "";
    public string Interface { get; set; } = "";
    public string? RegionId { get; set; }
    public string Url { get; set; } = "";
    public bool Enabled { get; set; }

    /// <summary>Created by bootstrap for a hosted module; bootstrap keeps its URL in step with the configured public URL.</summary>
    public bool Managed { get; set; }
    public string CreatedAt { get; set; } = "";
}
