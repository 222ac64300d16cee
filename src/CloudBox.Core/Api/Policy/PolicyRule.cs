using CloudBox.Core.Api.Auth;

namespace CloudBox.Core.Api.Policy;

/// <summary>A parsed oslo.policy expression, evaluated against a caller and a target.</summary>
public abstract class PolicyRule
{
    internal abstract bool Evaluate(CallerContext caller, PolicyTarget target, PolicyEngine engine, int depth);

    internal sealed class Always(bool result) : PolicyRule
    {
        internal override bool Evaluate(CallerContext caller, PolicyTarget target, PolicyEngine engine, int depth) => result;
    }

    internal sealed class Not(PolicyRule inner) : PolicyRule
    {
        internal override bool Evaluate(CallerContext caller, PolicyTarget target, PolicyEngine engine, int depth) =>
            !inner.Evaluate(caller, target, engine, depth);
    }

    internal sealed class And(PolicyRule[] parts) : PolicyRule
    {
        internal override bool Evaluate(CallerContext caller, PolicyTarget target, PolicyEngine engine, int depth)
        {
            foreach (var part in parts)
            {
                if (!part.Evaluate(caller, target, engine, depth))
                    return false;
            }
            return true;
        }
    }

    internal sealed class Or(PolicyRule[] parts) : PolicyRule
    {
        internal override bool Evaluate(CallerContext caller, PolicyTarget target, PolicyEngine engine, int depth)
        {
            foreach (var part in parts)
            {
                if (part.Evaluate(caller, target, engine, depth))
                    return true;
            }
            return false;
        }
    }

    /// <summary><c>role:admin</c>: the caller holds the role in the token's scope.</summary>
    internal sealed class Role(string name) : PolicyRule
    {
        internal override bool Evaluate(CallerContext caller, PolicyTarget target, PolicyEngine engine, int depth) => caller.HasRole(name);
    }

    /// <summary><c>rule:name</c>: another named rule.</summary>
    internal sealed class Reference(string name) : PolicyRule
    {
        internal override bool Evaluate(CallerContext caller, PolicyTarget target, PolicyEngine engine, int depth) =>
            engine.EvaluateNamed(name, caller, target, depth + 1);
    }

    /// <summary>
    /// <c>key:value</c>: a credential attribute (<c>user_id</c>, <c>project_id</c>, <c>domain_id</c>,
    /// <c>system_scope</c>…) against a literal or a <c>%(target.x)s</c> substitution; or a quoted
    /// literal / True / False on the left against a substitution.
    /// </summary>
    internal sealed class Generic(string left, string right) : PolicyRule
    {
        internal override bool Evaluate(CallerContext caller, PolicyTarget target, PolicyEngine engine, int depth)
        {
            string? expected;
            if (right.StartsWith("%(", StringComparison.Ordinal) && right.EndsWith(")s", StringComparison.Ordinal))
            {
                if (!target.TryGet(right[2..^2], out expected) || expected is null)
                    return false;
            }
            else
            {
                expected = Unquote(right);
            }

            var actual = IsLiteral(left) ? Unquote(left) : CredentialValue(caller, left);
            return actual is not null && string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);
        }

        private static bool IsLiteral(string text) =>
            text.Length >= 2 && (text[0] == '\'' || text[0] == '"') || text is "True" or "False";

        private static string Unquote(string text) =>
            text.Length >= 2 && (text[0] == '\'' || text[0] == '"') && text[^1] == text[0] ? text[1..^1] : text;

        private static string? CredentialValue(CallerContext caller, string name) => name switch
        {
            "user_id" => caller.UserId,
            "user_domain_id" => caller.UserDomainId,
            "project_id" or "tenant_id" or "tenant" => caller.ProjectId,
            "project_domain_id" => caller.ProjectDomainId,
            "domain_id" => caller.DomainId,
            "system_scope" => caller.SystemScope ? "all" : null,
            "is_admin" => caller.SystemScope && caller.HasRole("admin") ? "True" : "False",
            "is_application_credential" => caller.ApplicationCredentialId is not null ? "True" : "False",
            _ => null,
        };
    }
}
