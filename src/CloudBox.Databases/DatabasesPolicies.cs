namespace CloudBox.Databases;

/// <summary>
/// Default rules for the Database API in oslo.policy syntax, after Trove's defaults: readers see their
/// project's instances, members create and manage them, admins manage datastores and reset states.
/// Project ownership is checked in code on top of these.
/// </summary>
internal static class DatabasesPolicies
{
    private const string Admin = "role:admin";
    private const string Member = "role:member";
    private const string Reader = "role:reader";

    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>
    {
        ["trove:datastore:index"] = Reader,
        ["trove:datastore:manage"] = Admin,
        ["trove:flavor:index"] = Reader,
        ["trove:instance:index"] = Reader,
        ["trove:instance:create"] = Member,
        ["trove:instance:update"] = Member,
        ["trove:instance:delete"] = Member,
        ["trove:instance:action"] = Member,
        ["trove:instance:force_delete"] = Admin,
        ["trove:instance:reset_status"] = Admin,
        ["trove:instance:configuration"] = Reader,
        ["trove:instance:extension:database:index"] = Reader,
        ["trove:instance:extension:database:manage"] = Member,
        ["trove:instance:extension:user:index"] = Reader,
        ["trove:instance:extension:user:manage"] = Member,
        ["trove:instance:extension:root:index"] = Reader,
        ["trove:instance:extension:root:manage"] = Member,
        ["trove:backup:index"] = Reader,
        ["trove:backup:show"] = Reader,
        ["trove:backup:create"] = Member,
        ["trove:backup:delete"] = Member,
        ["trove:configuration:index"] = Reader,
        ["trove:configuration:create"] = Member,
        ["trove:configuration:update"] = Member,
        ["trove:configuration:delete"] = Member,
    };
}
