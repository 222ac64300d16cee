namespace CloudBox.Compute;

/// <summary>
/// Default rules for the Compute API in oslo.policy syntax, after Nova's defaults: readers list
/// and show, members act on their project's servers, admins manage flavors, quotas and hosts.
/// Project ownership is checked in code on top of these.
/// </summary>
internal static class ComputePolicies
{
    private const string Admin = "role:admin";
    private const string Member = "role:member";
    private const string Reader = "role:reader";

    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>
    {
        ["compute:flavors:list"] = Reader,
        ["compute:flavors:manage"] = Admin,
        ["compute:flavors:extra_specs:index"] = Reader,
        ["compute:flavors:access"] = Admin,
        ["compute:keypairs"] = Reader,
        ["compute:keypairs:create"] = Member,
        ["compute:limits"] = Reader,
        ["compute:quotas:show"] = Reader,
        ["compute:quotas:update"] = Admin,
        ["compute:availability_zone:list"] = Reader,
        ["compute:availability_zone:detail"] = Admin,
        ["compute:hypervisors"] = Admin,
        ["compute:services"] = Admin,
        ["compute:servers:index"] = Reader,
        ["compute:servers:show"] = Reader,
        ["compute:servers:create"] = Member,
        ["compute:servers:update"] = Member,
        ["compute:servers:delete"] = Member,
        ["compute:servers:action"] = Member,
        ["compute:servers:all_tenants"] = Admin,
        ["compute:servers:reset_state"] = Admin,
        ["compute:servers:unlock_override"] = Admin,
        ["compute:servers:metadata:index"] = Reader,
        ["compute:servers:metadata:update"] = Member,
        ["compute:instance_actions"] = Reader,
        ["compute:server_groups:index"] = Reader,
        ["compute:server_groups:show"] = Reader,
        ["compute:server_groups:create"] = Member,
        ["compute:server_groups:delete"] = Member,
        ["compute:server_groups:all_projects"] = Admin,
        ["compute:simple_tenant_usage:list"] = Admin,
        ["compute:simple_tenant_usage:show"] = Reader,
    };
}
