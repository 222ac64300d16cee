namespace CloudBox.Core.Ids;

/// <summary>Resource identifiers in the forms OpenStack clients expect.</summary>
public static class Identifiers
{
    /// <summary>32 lower-case hex digits, as Keystone ids are.</summary>
    public static string NewHexId() => Guid.NewGuid().ToString("N");

    /// <summary>Dashed UUID, as Nova, Glance, Neutron and Cinder ids are.</summary>
    public static string NewUuid() => Guid.NewGuid().ToString("D");

    /// <summary><c>req-</c> + UUID, the form of <c>X-OpenStack-Request-ID</c>.</summary>
    public static string NewRequestId() => "req-" + Guid.NewGuid().ToString("D");
}
