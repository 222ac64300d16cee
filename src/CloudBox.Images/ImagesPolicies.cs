namespace CloudBox.Images;

/// <summary>
/// Default rules for the Image API in oslo.policy syntax, after Glance's "secure RBAC" defaults:
/// readers see, members change their own project's images, only admins publish images to
/// everyone or deactivate them. Ownership and visibility are checked in code on top of these.
/// </summary>
internal static class ImagesPolicies
{
    private const string Admin = "role:admin";
    private const string Member = "role:member";
    private const string Reader = "role:reader";

    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>
    {
        ["image:add_image"] = Member,
        ["image:get_image"] = Reader,
        ["image:get_images"] = Reader,
        ["image:modify_image"] = Member,
        ["image:delete_image"] = Member,
        ["image:upload_image"] = Member,
        ["image:download_image"] = Reader,
        ["image:publicize_image"] = Admin,
        ["image:communitize_image"] = Member,
        ["image:deactivate"] = Admin,
        ["image:reactivate"] = Admin,
        ["image:add_member"] = Member,
        ["image:delete_member"] = Member,
        ["image:get_member"] = Reader,
        ["image:get_members"] = Reader,
        ["image:modify_member"] = Member,
        ["image:import"] = Member,
        ["image:get_task"] = Reader,
    };
}
