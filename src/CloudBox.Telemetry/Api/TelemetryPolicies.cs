namespace CloudBox.Telemetry.Api;

/// <summary>
/// Default rules (oslo.policy syntax): archive policies, their rules and resource types are
/// managed by admins and read by everyone; resources, metrics and measures by project members,
/// with ownership checked in code; the status by admins. Alarms follow Aodh's defaults.
/// </summary>
internal static class TelemetryPolicies
{
    private const string Admin = "role:admin";
    private const string Member = "role:member";
    private const string Reader = "role:reader";

    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>
    {
        ["metric:create_archive_policy"] = Admin,
        ["metric:update_archive_policy"] = Admin,
        ["metric:delete_archive_policy"] = Admin,
        ["metric:get_archive_policy"] = Reader,
        ["metric:create_archive_policy_rule"] = Admin,
        ["metric:update_archive_policy_rule"] = Admin,
        ["metric:delete_archive_policy_rule"] = Admin,
        ["metric:get_archive_policy_rule"] = Reader,
        ["metric:create_resource_type"] = Admin,
        ["metric:update_resource_type"] = Admin,
        ["metric:delete_resource_type"] = Admin,
        ["metric:get_resource_type"] = Reader,
        ["metric:create_resource"] = Member,
        ["metric:update_resource"] = Member,
        ["metric:delete_resource"] = Member,
        ["metric:get_resource"] = Reader,
        ["metric:create_metric"] = Member,
        ["metric:delete_metric"] = Member,
        ["metric:get_metric"] = Reader,
        ["metric:post_measures"] = Member,
        ["metric:get_measures"] = Reader,
        ["metric:get_status"] = Admin,
        ["metric:get_usage"] = Reader,
        ["telemetry:prometheus"] = Admin,
        ["alarm:create"] = Member,
        ["alarm:get"] = Reader,
        ["alarm:update"] = Member,
        ["alarm:delete"] = Member,
        ["alarm:quota"] = Admin,
    };
}
