using CloudBox.Core.Configuration;
using CloudBox.Core.Ids;
using CloudBox.Core.Modules;
using CloudBox.Identity.Assignments;
using CloudBox.Identity.Domains;
using CloudBox.Identity.Endpoints;
using CloudBox.Identity.Passwords;
using CloudBox.Identity.Projects;
using CloudBox.Identity.Regions;
using CloudBox.Identity.Roles;
using CloudBox.Identity.Services;
using CloudBox.Identity.Tokens;
using CloudBox.Identity.Users;
using Microsoft.Extensions.Logging;

namespace CloudBox.Identity.Bootstrap;

/// <summary>
/// What <c>keystone-manage bootstrap</c> does, at every start and idempotently: the Default
/// domain, the admin, member and reader roles (admin ⇒ member ⇒ reader), the admin project and
/// user, region and a catalog entry for every hosted module. The admin password is set only
/// when the user is created; <c>admin-openrc.sh</c> is written then.
/// </summary>
public sealed partial class IdentityBootstrap(
    CloudBoxOptions options, ModuleRegistry modules, IdentitySettings settings, DomainStore domains, ProjectStore projects, UserStore users,
    RoleStore roles, AssignmentStore assignments, RegionStore regions, ServiceStore services, EndpointStore endpoints,
    RevocationList revocations, TimeProvider clock, ILogger<IdentityBootstrap> logger) : IStartupTask
{
    public const string AdminName = "admin";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        if (await domains.FindAsync(DomainRecord.DefaultId, cancellationToken) is null)
            await domains.CreateAsync(new DomainRecord { Id = DomainRecord.DefaultId, Name = "Default", Description = "The default domain", Enabled = true, CreatedAt = now }, cancellationToken);

        var admin = await EnsureRoleAsync(RoleRecord.Admin, now, cancellationToken);
        var member = await EnsureRoleAsync(RoleRecord.Member, now, cancellationToken);
        var reader = await EnsureRoleAsync(RoleRecord.Reader, now, cancellationToken);
        await roles.AddImplyAsync(admin.Id, member.Id, cancellationToken);
        await roles.AddImplyAsync(member.Id, reader.Id, cancellationToken);

        var project = await projects.FindByNameAsync(AdminName, DomainRecord.DefaultId, cancellationToken);
        if (project is null)
        {
            project = new ProjectRecord { Id = Identifiers.NewHexId(), Name = AdminName, DomainId = DomainRecord.DefaultId, Description = "Bootstrap project for the cloud administrator", Enabled = true, CreatedAt = now };
            await projects.CreateAsync(project, cancellationToken);
        }

        var user = await users.FindByNameAsync(AdminName, DomainRecord.DefaultId, cancellationToken);
        if (user is null)
        {
            var password = options.AdminPassword.Length > 0 ? options.AdminPassword : PasswordHasher.GenerateSecret();
            // The openrc file is written before the user exists, so no crash can leave an admin whose password nobody knows.
            await WriteOpenRcAsync(password, cancellationToken);
            user = new UserRecord
            {
                Id = Identifiers.NewHexId(), Name = AdminName, DomainId = DomainRecord.DefaultId, Enabled = true, DefaultProjectId = project.Id,
                PasswordHash = PasswordHasher.Hash(password, settings.PasswordIterations), PasswordChangedAt = now, CreatedAt = now,
            };
            await users.CreateAsync(user, cancellationToken);
            LogAdminCreated(OpenRcFile.PathIn(options.DataDirectory));
        }

        await assignments.GrantAsync(new AssignmentRecord { ActorType = ActorType.User, ActorId = user.Id, TargetType = TargetType.Project, TargetId = project.Id, RoleId = admin.Id }, cancellationToken);
        await assignments.GrantAsync(new AssignmentRecord { ActorType = ActorType.User, ActorId = user.Id, TargetType = TargetType.System, TargetId = TargetType.SystemAll, RoleId = admin.Id }, cancellationToken);

        if (await regions.FindAsync(options.RegionName, cancellationToken) is null)
            await regions.CreateAsync(new RegionRecord { Id = options.RegionName, Description = "", CreatedAt = now }, cancellationToken);
        foreach (var module in modules.Modules)
        {
            await EnsureCatalogEntryAsync(module.Catalog, options.PublicUrl, now, cancellationToken);
            foreach (var (entry, baseUrl) in module.ExtraCatalogEntries(options))
                await EnsureCatalogEntryAsync(entry, baseUrl, now, cancellationToken);
        }

        await revocations.RefreshAsync(settings.TokenLifetime, cancellationToken);
    }

    /// <summary>Sets a user's password (the admin's by default), ends their tokens and, for the admin, rewrites the openrc file.</summary>
    public async Task<string> ResetPasswordAsync(string userName, string? password, CancellationToken cancellationToken)
    {
        var user = await users.FindByNameAsync(userName, DomainRecord.DefaultId, cancellationToken)
            ?? throw new InvalidOperationException($"no user '{userName}' in the Default domain");
        password ??= PasswordHasher.GenerateSecret();
        if (userName == AdminName)
            await WriteOpenRcAsync(password, cancellationToken);
        user.PasswordHash = PasswordHasher.Hash(password, settings.PasswordIterations);
        user.PasswordChangedAt = Timestamps.ToStorage(clock.GetUtcNow());
        user.Enabled = true;
        await users.UpdateAsync(user, cancellationToken);
        await revocations.RevokeUserAsync(user.Id, cancellationToken);
        return password;
    }

    /// <summary>The openrc names the identity endpoint the catalog publishes, which an admin command must not guess.</summary>
    private async Task WriteOpenRcAsync(string password, CancellationToken cancellationToken)
    {
        var authUrl = $"{options.PublicUrl}/identity/v3";
        if (!options.PublishesEndpoints && (await services.ListAsync("identity", null, cancellationToken)).FirstOrDefault() is { } identity)
        {
            var published = await endpoints.ListAsync(identity.Id, EndpointRecord.Public, options.RegionName, cancellationToken);
            authUrl = published.FirstOrDefault()?.Url ?? authUrl;
        }
        // A self-signed cloud's clients trust its own certificate (openstackclient and swift read OS_CACERT).
        var caCertificate = options.TlsSelfSigned && authUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? options.SelfSignedCertificateFile : null;
        OpenRcFile.Write(options.DataDirectory, OpenRcFile.Render(authUrl, AdminName, password, AdminName, options.RegionName, caCertificate));
    }

    private async Task<RoleRecord> EnsureRoleAsync(string name, string now, CancellationToken cancellationToken)
    {
        var existing = await roles.ListAsync(name, null, cancellationToken);
        if (existing.Count > 0)
            return existing[0];
        var role = new RoleRecord { Id = Identifiers.NewHexId(), Name = name, CreatedAt = now };
        await roles.CreateAsync(role, cancellationToken);
        return role;
    }

    private async Task EnsureCatalogEntryAsync(ServiceCatalogEntry entry, string baseUrl, string now, CancellationToken cancellationToken)
    {
        var service = (await services.ListAsync(entry.Type, null, cancellationToken)).FirstOrDefault();
        if (service is null)
        {
            service = new ServiceRecord { Id = Identifiers.NewHexId(), Type = entry.Type, Name = entry.ServiceName, Description = entry.Description, Enabled = true, CreatedAt = now };
            await services.CreateAsync(service, cancellationToken);
        }
        var url = baseUrl + entry.PathPrefix + entry.EndpointSuffix;
        var existing = await endpoints.ListAsync(service.Id, null, options.RegionName, cancellationToken);
        foreach (var interfaceName in new[] { EndpointRecord.Public, EndpointRecord.Internal, EndpointRecord.Admin })
        {
            var endpoint = existing.FirstOrDefault(e => e.Interface == interfaceName);
            if (endpoint is null)
            {
                await endpoints.CreateAsync(new EndpointRecord
                {
                    Id = Identifiers.NewHexId(), ServiceId = service.Id, Interface = interfaceName, RegionId = options.RegionName,
                    Url = url, Enabled = true, Managed = true, CreatedAt = now,
                }, cancellationToken);
            }
            else if (endpoint.Managed && endpoint.Url != url && options.PublishesEndpoints)
            {
                // The public URL changed since the endpoint was made: keep the catalog truthful.
                endpoint.Url = url;
                await endpoints.UpdateAsync(endpoint, cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created the cloud administrator 'admin'; its credentials are in {OpenRcPath}")]
    private partial void LogAdminCreated(string openRcPath);
}
