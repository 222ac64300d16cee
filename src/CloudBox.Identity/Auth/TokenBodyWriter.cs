using System.Text.Json;
using CloudBox.Core.Ids;
using CloudBox.Identity.Tokens;

namespace CloudBox.Identity.Auth;

/// <summary>Writes Keystone's token body, <c>{"token": {methods, user, scope, roles, catalog, …}}</c>, straight to UTF-8.</summary>
public static class TokenBodyWriter
{
    public static byte[] Write(TokenPayload payload, ResolvedAccess access, ReadOnlyMemory<byte>? catalogJson)
    {
        using var buffer = new MemoryStream(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("token");

            writer.WriteStartArray("methods");
            foreach (var method in AuthMethodNames.ToList(payload.Methods))
                writer.WriteStringValue(method);
            writer.WriteEndArray();

            writer.WriteStartObject("user");
            WriteDomain(writer, "domain", access.UserDomainId, access.UserDomainName);
            writer.WriteString("id", access.UserId);
            writer.WriteString("name", access.UserName);
            writer.WriteNull("password_expires_at");
            writer.WriteEndObject();

            writer.WriteStartArray("audit_ids");
            foreach (var auditId in payload.AuditIds)
                writer.WriteStringValue(auditId);
            writer.WriteEndArray();
            writer.WriteString("expires_at", Timestamps.ToKeystone(payload.ExpiresAt));
            writer.WriteString("issued_at", Timestamps.ToKeystone(payload.IssuedAt));

            if (access.ProjectId is not null)
            {
                writer.WriteStartObject("project");
                WriteDomain(writer, "domain", access.ProjectDomainId!, access.ProjectDomainName!);
                writer.WriteString("id", access.ProjectId);
                writer.WriteString("name", access.ProjectName);
                writer.WriteEndObject();
                writer.WriteBoolean("is_domain", false);
            }
            else if (access.DomainId is not null)
            {
                WriteDomain(writer, "domain", access.DomainId, access.DomainName!);
            }
            else if (access.System)
            {
                writer.WriteStartObject("system");
                writer.WriteBoolean("all", true);
                writer.WriteEndObject();
            }

            if (access.Roles.Count > 0 || access.ProjectId is not null || access.DomainId is not null || access.System)
            {
                writer.WriteStartArray("roles");
                foreach (var role in access.Roles)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", role.Id);
                    writer.WriteString("name", role.Name);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }

            if (payload.ApplicationCredentialId is not null)
            {
                writer.WriteStartObject("application_credential");
                writer.WriteString("id", payload.ApplicationCredentialId);
                writer.WriteString("name", access.ApplicationCredentialName);
                writer.WriteBoolean("restricted", access.ApplicationCredentialRestricted);
                writer.WriteEndObject();
            }

            if (catalogJson is { } catalog)
            {
                writer.WritePropertyName("catalog");
                writer.WriteRawValue(catalog.Span, skipInputValidation: true);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteDomain(Utf8JsonWriter writer, string property, string id, string name)
    {
        writer.WriteStartObject(property);
        writer.WriteString("id", id);
        writer.WriteString("name", name);
        writer.WriteEndObject();
    }
}
