namespace CloudBox.Networking;

/// <summary>How the Network module meets the host.</summary>
public sealed class NetworkSettings
{
    /// <summary>
    /// When false the API keeps its records and touches no kernel object: for API tests, and for
    /// control-plane-only nodes.
    /// </summary>
    public bool DataPlane { get; init; } = true;

    /// <summary>
    /// Physical networks flat networks may be bound to, with the host bridge each maps to. The
    /// default <c>external</c> network is a bridge CloudBox creates and masquerades onward.
    /// </summary>
    public IReadOnlyDictionary<string, string> PhysicalNetworks { get; init; } = new Dictionary<string, string> { ["external"] = "cbr-ext" };

    /// <summary>MTU of the host's underlay; VXLAN networks get 50 bytes less.</summary>
    public int UnderlayMtu { get; init; } = 1500;

    /// <summary>Network namespace to build the data plane in (a path under /run/netns); null for the process's own. Tests use a throwaway one.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>Router namespaces are named this plus the router id's first 8 characters; tests use a prefix of their own.</summary>
    public string RouterNamespacePrefix { get; init; } = "cbrouter-";

    /// <summary>How long the data plane waits after a change before converging, so a burst of API calls costs one pass.</summary>
    public TimeSpan ReconcileDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Time between unsolicited router advertisements on each IPv6 router leg (solicitations are answered at once).</summary>
    public TimeSpan RouterAdvertisementInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The defaults, with <c>CLOUDBOX_NETWORK_DATA_PLANE=off</c> turning the kernel side off (for
    /// API-only runs such as the acceptance scripts on a shared machine).
    /// </summary>
    public static NetworkSettings FromEnvironment() => new()
    {
        DataPlane = Environment.GetEnvironmentVariable("CLOUDBOX_NETWORK_DATA_PLANE") is not ("off" or "0" or "false"),
    };
}
