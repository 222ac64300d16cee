namespace CloudBox.Compute.Servers;

/// <summary>
/// One server as stored. <see cref="Image"/> and <see cref="Flavor"/> are JSON snapshots taken at
/// create, so the build and later boots do not depend on the image or flavor still existing.
/// </summary>
public sealed class ServerRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string VmState { get; set; } = "";
    public string? TaskState { get; set; }
    public int PowerState { get; set; }
    public string ImageId { get; set; } = "";
    public string Image { get; set; } = "{}";
    public string FlavorId { get; set; } = "";
    public string Flavor { get; set; } = "{}";
    public int Vcpus { get; set; }
    public int Ram { get; set; }
    public int Disk { get; set; }
    public string? KeyName { get; set; }
    public string? KeyData { get; set; }
    public string Metadata { get; set; } = "{}";
    public string? UserData { get; set; }
    public bool ConfigDrive { get; set; }
    public string AvailabilityZone { get; set; } = "nova";
    public string? Host { get; set; }
    public bool Locked { get; set; }
    public string? LockedBy { get; set; }
    public string? Fault { get; set; }
    public string AccessIpv4 { get; set; } = "";
    public string AccessIpv6 { get; set; } = "";
    public string CreatedAt { get; set; } = "";
    public string UpdatedAt { get; set; } = "";
    public string? LaunchedAt { get; set; }
    public string? TerminatedAt { get; set; }
    public bool Deleted { get; set; }
    public string? Description { get; set; }

    /// <summary>JSON array of strings.</summary>
    public string Tags { get; set; } = "[]";

    /// <summary>JSON array of the ports the VM plugs (see <see cref="Networking.NetworkInterfaces"/>).</summary>
    public string NetworkInterfaces { get; set; } = "[]";
}
