using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;

namespace CloudBox.Core.Tests.Policy;

public class PolicyEngineTests
{
    private static CallerContext Caller(string? project = "p1", string? domain = null, bool system = false, params string[] roles) => new()
    {
        Token = "t",
        UserId = "u1",
        UserName = "alice",
        UserDomainId = "default",
        UserDomainName = "Default",
        ProjectId = project,
        ProjectDomainId = project is null ? null : "default",
        DomainId = domain,
        SystemScope = system,
        Roles = [.. roles.Select(r => new RoleReference(r + "-id", r))],
    };

    private static PolicyEngine Engine(params (string Name, string Rule)[] rules) =>
        new(rules.Select(r => new KeyValuePair<string, string>(r.Name, r.Rule)));

    [Test]
    public void RoleCheckMatchesCaseInsensitively()
    {
        var engine = Engine(("a", "role:Admin"));
        Assert.That(engine.IsAllowed("a", Caller(roles: "admin"), PolicyTarget.Empty), Is.True);
        Assert.That(engine.IsAllowed("a", Caller(roles: "member"), PolicyTarget.Empty), Is.False);
    }

    [Test]
    public void AndBindsTighterThanOr()
    {
        // reader-and-system OR admin: a project reader without system scope is refused.
        var engine = Engine(("a", "role:reader and system_scope:all or role:admin"));
        Assert.Multiple(() =>
        {
            Assert.That(engine.IsAllowed("a", Caller(roles: "reader"), PolicyTarget.Empty), Is.False);
            Assert.That(engine.IsAllowed("a", Caller(project: null, system: true, roles: "reader"), PolicyTarget.Empty), Is.True);
            Assert.That(engine.IsAllowed("a", Caller(roles: "admin"), PolicyTarget.Empty), Is.True);
        });
    }

    [Test]
    public void ParenthesesNotAndRuleReferencesCompose()
    {
        var engine = Engine(("admin_required", "role:admin"), ("a", "not (rule:admin_required or role:reader)"));
        Assert.That(engine.IsAllowed("a", Caller(roles: "member"), PolicyTarget.Empty), Is.True);
        Assert.That(engine.IsAllowed("a", Caller(roles: "admin"), PolicyTarget.Empty), Is.False);
    }

    [Test]
    public void TargetSubstitutionComparesCredentialsWithTheTarget()
    {
        var engine = Engine(("a", "project_id:%(target.project.id)s"), ("b", "(user_id:%(target.user.id)s)"));
        Assert.Multiple(() =>
        {
            Assert.That(engine.IsAllowed("a", Caller(), new PolicyTarget().Set("target.project.id", "p1")), Is.True);
            Assert.That(engine.IsAllowed("a", Caller(), new PolicyTarget().Set("target.project.id", "p2")), Is.False);
            Assert.That(engine.IsAllowed("a", Caller(), PolicyTarget.Empty), Is.False, "a missing target attribute never matches");
            Assert.That(engine.IsAllowed("b", Caller(), new PolicyTarget().Set("target.user.id", "u1")), Is.True);
        });
    }

    [Test]
    public void EmptyRuleAllowsAndUnknownActionIsRefused()
    {
        var engine = Engine(("open", ""), ("never", "!"), ("always", "@"));
        Assert.Multiple(() =>
        {
            Assert.That(engine.IsAllowed("open", Caller(), PolicyTarget.Empty), Is.True);
            Assert.That(engine.IsAllowed("always", Caller(), PolicyTarget.Empty), Is.True);
            Assert.That(engine.IsAllowed("never", Caller(roles: "admin"), PolicyTarget.Empty), Is.False);
            Assert.That(engine.IsAllowed("no-such-action", Caller(roles: "admin"), PolicyTarget.Empty), Is.False);
        });
    }

    [Test]
    public void EnforceAnswers403NamingTheAction()
    {
        var engine = Engine(("identity:create_user", "role:admin"));
        var fault = Assert.Throws<ApiFault>(() => engine.Enforce("identity:create_user", Caller(roles: "member")));
        Assert.That(fault!.StatusCode, Is.EqualTo(403));
        Assert.That(fault.Message, Does.Contain("identity:create_user"));
    }

    [Test]
    public void OperatorFileOverridesDefaults()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, """{"a": "role:member"}""");
        var engine = new PolicyEngine([new("a", "role:admin")], file);
        Assert.That(engine.IsAllowed("a", Caller(roles: "member"), PolicyTarget.Empty), Is.True);
        File.Delete(file);
    }

    [Test]
    public void MalformedRuleIsRejectedAtLoad()
    {
        Assert.Throws<FormatException>(() => PolicyParser.Parse("(role:admin"));
        Assert.Throws<FormatException>(() => PolicyParser.Parse("role:admin and"));
        Assert.Throws<FormatException>(() => PolicyParser.Parse("justaword"));
    }

    [Test]
    public void SelfReferencingRuleIsRefusedNotOverflowed()
    {
        var engine = Engine(("loop", "rule:loop"));
        Assert.That(engine.IsAllowed("loop", Caller(roles: "admin"), PolicyTarget.Empty), Is.False);
    }
}
