namespace CloudBox.Compute.Servers;

/// <summary>
/// The order of a server list in SQL: Nova's sort keys mapped to <c>compute_servers</c> expressions, then Nova's
/// defaults (<c>created_at</c>, then the id, in the first key's direction). Nullable columns sort as empty text so
/// both engines order them alike and the keyset comparison after a marker needs no NULL cases.
/// </summary>
internal sealed record ServerSort(string Expression, bool Descending)
{
    /// <summary>Nova's <c>VALID_SORT_KEYS</c> and the expression each sorts by; null: accepted, and constant here (nothing to sort by).</summary>
    private static readonly Dictionary<string, string?> Keys = new(StringComparer.Ordinal)
    {
        ["access_ip_v4"] = "access_ipv4", ["access_ip_v6"] = "access_ipv6", ["auto_disk_config"] = null,
        ["availability_zone"] = "availability_zone", ["config_drive"] = "config_drive", ["created_at"] = "created_at",
        ["display_description"] = "COALESCE(description, '')", ["display_name"] = "name", ["host"] = "COALESCE(host, '')",
        ["hostname"] = "name", ["image_ref"] = "image_id", ["instance_type_id"] = "flavor_id", ["kernel_id"] = null,
        ["key_name"] = "COALESCE(key_name, '')", ["launch_index"] = null, ["launched_at"] = "COALESCE(launched_at, '')",
        ["locked_by"] = "COALESCE(locked_by, '')", ["node"] = "COALESCE(host, '')", ["power_state"] = "power_state", ["progress"] = null,
        ["project_id"] = "project_id", ["ramdisk_id"] = null, ["root_device_name"] = null, ["task_state"] = "COALESCE(task_state, '')",
        ["terminated_at"] = "COALESCE(terminated_at, '')", ["updated_at"] = "updated_at", ["user_id"] = "user_id", ["uuid"] = "id",
        ["vm_state"] = "vm_state",
    };

    /// <summary>Keys Nova ignores in a non-admin's sort (where the server runs is not theirs to see).</summary>
    private static readonly HashSet<string> AdminOnly = ["host", "node"];

    public static IReadOnlySet<string> ValidKeys { get; } = Keys.Keys.ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The full order for the keys a request asked for (already checked against <see cref="ValidKeys"/>), ending in
    /// <c>created_at</c> and <c>id</c> so every row has one place and a marker one successor.
    /// </summary>
    public static IReadOnlyList<ServerSort> For(IReadOnlyList<(string Key, bool Descending)> requested, bool admin)
    {
        var order = new List<ServerSort>();
        foreach (var (key, descending) in requested)
        {
            if (Keys[key] is not { } expression || (!admin && AdminOnly.Contains(key)) || order.Any(s => s.Expression == expression))
                continue;
            order.Add(new ServerSort(expression, descending));
        }
        var defaultDescending = requested.Count == 0 || requested[0].Descending;
        if (order.All(s => s.Expression != "created_at"))
            order.Add(new ServerSort("created_at", defaultDescending));
        if (order.All(s => s.Expression != "id"))
            order.Add(new ServerSort("id", defaultDescending));
        return order;
    }
}
