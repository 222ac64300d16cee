namespace CloudBox.Volumes;

/// <summary>
/// Default rules for the Block Storage API in oslo.policy syntax, after Cinder's "secure RBAC"
/// defaults: readers see their project's volumes, members manage them, admins manage types,
/// quotas and statuses. Project ownership is checked in code on top of these.
/// </summary>
internal static class VolumesPolicies
{
    private const string Admin = "role:admin";
    private const string Member = "role:member";
    private const string Reader = "role:reader";

    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>
    {
        ["volume:get_all"] = Reader,
        ["volume:get"] = Reader,
        ["volume:create"] = Member,
        ["volume:update"] = Member,
        ["volume:delete"] = Member,
        ["volume:extend"] = Member,
        ["volume:reset_status"] = Admin,
        ["volume:upload_image"] = Member,
        ["volume:retype"] = Member,
        ["volume:update_image_metadata"] = Member,
        ["volume:revert_to_snapshot"] = Member,
        ["volume:force_delete"] = Admin,
        ["volume:reset_snapshot_status"] = Admin,
        ["volume:force_delete_snapshot"] = Admin,
        ["volume:get_all_snapshots"] = Reader,
        ["volume:get_snapshot"] = Reader,
        ["volume:create_snapshot"] = Member,
        ["volume:update_snapshot"] = Member,
        ["volume:delete_snapshot"] = Member,
        ["volume:get_type"] = Reader,
        ["volume:manage_type"] = Admin,
        ["volume:show_quota"] = Reader,
        ["volume:update_quota"] = Admin,
        ["volume:attachment_create"] = Member,
        ["volume:attachment_update"] = Member,
        ["volume:attachment_delete"] = Member,
        ["volume:attachment_complete"] = Member,
        ["backup:get_all"] = Reader,
        ["backup:get"] = Reader,
        ["backup:create"] = Member,
        ["backup:delete"] = Member,
        ["backup:restore"] = Member,
        ["backup:reset_status"] = Admin,
        ["backup:force_delete"] = Admin,
        ["volume:get_all_transfers"] = Reader,
        ["volume:get_transfer"] = Reader,
        ["volume:create_transfer"] = Member,
        ["volume:delete_transfer"] = Member,
        ["volume:accept_transfer"] = Member,
    };
}
