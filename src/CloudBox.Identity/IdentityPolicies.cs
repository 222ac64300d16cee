namespace CloudBox.Identity;

/// <summary>
/// Default rules for the Identity API, in oslo.policy syntax, following Keystone's "secure RBAC"
/// personas: admin manages everything; readers on the system read everything; a domain's
/// readers read inside it; users manage their own password, application and EC2 credentials.
/// An operator's policy file overrides any of them by name.
/// </summary>
internal static class IdentityPolicies
{
    private const string Admin = "rule:admin_required";
    private const string AdminOrSystemReader = "rule:admin_or_system_reader";
    private const string Owner = "user_id:%(target.user.id)s";

    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>
    {
        ["admin_required"] = "role:admin",
        ["service_role"] = "role:service",
        ["system_reader"] = "role:reader and system_scope:all",
        ["admin_or_system_reader"] = "rule:admin_required or rule:system_reader",
        ["domain_reader"] = "role:reader and domain_id:%(target.domain_id)s",

        ["identity:validate_token"] = "rule:admin_required or rule:service_role or rule:system_reader or user_id:%(target.token.user_id)s",
        ["identity:check_token"] = "rule:admin_required or rule:service_role or rule:system_reader or user_id:%(target.token.user_id)s",
        ["identity:revoke_token"] = "rule:admin_required or rule:service_role or user_id:%(target.token.user_id)s",

        ["identity:list_regions"] = "",
        ["identity:get_region"] = "",
        ["identity:create_region"] = Admin,
        ["identity:update_region"] = Admin,
        ["identity:delete_region"] = Admin,

        ["identity:list_services"] = AdminOrSystemReader,
        ["identity:get_service"] = AdminOrSystemReader,
        ["identity:create_service"] = Admin,
        ["identity:update_service"] = Admin,
        ["identity:delete_service"] = Admin,

        ["identity:list_endpoints"] = AdminOrSystemReader,
        ["identity:get_endpoint"] = AdminOrSystemReader,
        ["identity:create_endpoint"] = Admin,
        ["identity:update_endpoint"] = Admin,
        ["identity:delete_endpoint"] = Admin,

        ["identity:list_domains"] = AdminOrSystemReader,
        ["identity:get_domain"] = "rule:admin_or_system_reader or domain_id:%(target.domain.id)s or project_domain_id:%(target.domain.id)s",
        ["identity:create_domain"] = Admin,
        ["identity:update_domain"] = Admin,
        ["identity:delete_domain"] = Admin,

        ["identity:list_projects"] = "rule:admin_or_system_reader or rule:domain_reader",
        ["identity:get_project"] = "rule:admin_or_system_reader or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s",
        ["identity:list_user_projects"] = "rule:admin_or_system_reader or " + Owner,
        ["identity:create_project"] = Admin,
        ["identity:update_project"] = Admin,
        ["identity:delete_project"] = Admin,
        ["identity:get_project_tags"] = "rule:admin_or_system_reader or project_id:%(target.project.id)s",
        ["identity:get_project_tag"] = "rule:admin_or_system_reader or project_id:%(target.project.id)s",
        ["identity:update_project_tags"] = Admin,
        ["identity:create_project_tag"] = Admin,
        ["identity:delete_project_tag"] = Admin,
        ["identity:delete_project_tags"] = Admin,

        ["identity:list_users"] = "rule:admin_or_system_reader or rule:domain_reader",
        ["identity:get_user"] = "rule:admin_or_system_reader or (role:reader and domain_id:%(target.user.domain_id)s) or " + Owner,
        ["identity:create_user"] = Admin,
        ["identity:update_user"] = Admin,
        ["identity:delete_user"] = Admin,
        ["identity:change_password"] = "rule:admin_required or " + Owner,
        ["identity:list_groups_for_user"] = "rule:admin_or_system_reader or " + Owner,

        ["identity:list_groups"] = "rule:admin_or_system_reader or rule:domain_reader",
        ["identity:get_group"] = "rule:admin_or_system_reader or (role:reader and domain_id:%(target.group.domain_id)s)",
        ["identity:create_group"] = Admin,
        ["identity:update_group"] = Admin,
        ["identity:delete_group"] = Admin,
        ["identity:list_users_in_group"] = "rule:admin_or_system_reader or (role:reader and domain_id:%(target.group.domain_id)s)",
        ["identity:check_user_in_group"] = "rule:admin_or_system_reader or (role:reader and domain_id:%(target.group.domain_id)s)",
        ["identity:add_user_to_group"] = Admin,
        ["identity:remove_user_from_group"] = Admin,

        ["identity:list_roles"] = "rule:admin_or_system_reader or role:reader",
        ["identity:list_domain_roles"] = AdminOrSystemReader,
        ["identity:get_role"] = "rule:admin_or_system_reader or role:reader",
        ["identity:create_role"] = Admin,
        ["identity:update_role"] = Admin,
        ["identity:delete_role"] = Admin,
        ["identity:list_implied_roles"] = AdminOrSystemReader,
        ["identity:get_implied_role"] = AdminOrSystemReader,
        ["identity:create_implied_role"] = Admin,
        ["identity:delete_implied_role"] = Admin,
        ["identity:list_role_inference_rules"] = AdminOrSystemReader,

        ["identity:list_grants"] = "rule:admin_or_system_reader or (role:reader and domain_id:%(target.domain.id)s)",
        ["identity:check_grant"] = "rule:admin_or_system_reader or (role:reader and domain_id:%(target.domain.id)s)",
        ["identity:create_grant"] = Admin,
        ["identity:revoke_grant"] = Admin,
        ["identity:list_system_grants"] = AdminOrSystemReader,
        ["identity:check_system_grant"] = AdminOrSystemReader,
        ["identity:create_system_grant"] = Admin,
        ["identity:revoke_system_grant"] = Admin,
        ["identity:list_role_assignments"] = "rule:admin_or_system_reader or rule:domain_reader or " + Owner,

        ["identity:list_application_credentials"] = "rule:admin_or_system_reader or " + Owner,
        ["identity:get_application_credential"] = "rule:admin_or_system_reader or " + Owner,
        ["identity:create_application_credential"] = Owner,
        ["identity:delete_application_credential"] = "rule:admin_required or " + Owner,

        ["identity:list_credentials"] = "",
        ["identity:get_credential"] = "rule:admin_or_system_reader or user_id:%(target.credential.user_id)s",
        ["identity:create_credential"] = "rule:admin_required or user_id:%(target.credential.user_id)s",
        ["identity:update_credential"] = "rule:admin_required or user_id:%(target.credential.user_id)s",
        ["identity:delete_credential"] = "rule:admin_required or user_id:%(target.credential.user_id)s",
        ["identity:ec2_list_credentials"] = "rule:admin_or_system_reader or " + Owner,
        ["identity:ec2_get_credential"] = "rule:admin_or_system_reader or user_id:%(target.credential.user_id)s",
        ["identity:ec2_create_credential"] = "rule:admin_required or " + Owner,
        ["identity:ec2_delete_credential"] = "rule:admin_required or user_id:%(target.credential.user_id)s",
    };
}
