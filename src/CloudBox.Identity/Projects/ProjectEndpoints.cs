using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Identity.Api;
using CloudBox.Identity.Domains;
using CloudBox.Identity.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.Projects;

/// <summary><c>/v3/projects</c>, with hierarchy (<c>parent_id</c>) and tags.</summary>
public static class ProjectEndpoints
{
    private static readonly string[] Fields = ["name", "description", "enabled", "domain_id", "parent_id", "is_domain", "tags", "options"];

    public static void Map(IEndpointRouteBuilder v3)
    {
        v3.MapGet("/projects", ListAsync);
        v3.MapPost("/projects", CreateAsync);
        v3.MapGet("/projects/{id}", GetAsync);
        v3.MapMethods("/projects/{id}", ["PATCH"], UpdateAsync);
        v3.MapDelete("/projects/{id}", DeleteAsync);
        v3.MapGet("/projects/{id}/tags", ListTagsAsync);
        v3.MapPut("/projects/{id}/tags", ReplaceTagsAsync);
        v3.MapMethods("/projects/{id}/tags/{tag}", ["GET", "HEAD"], CheckTagAsync);
        v3.MapPut("/projects/{id}/tags/{tag}", AddTagAsync);
        v3.MapDelete("/projects/{id}/tags/{tag}", RemoveTagAsync);
        v3.MapDelete("/projects/{id}/tags", ClearTagsAsync);
    }

    public static JsonObject ToJson(ProjectRecord project, HttpRequest request)
    {
        var tags = new JsonArray();
        foreach (var tag in project.Tags)
            tags.Add(tag);
        return new JsonObject
        {
            ["id"] = project.Id,
            ["name"] = project.Name,
            ["domain_id"] = project.DomainId,
            ["description"] = project.Description,
            ["enabled"] = project.Enabled,
            ["parent_id"] = project.ParentId ?? project.DomainId,
            ["is_domain"] = false,
            ["tags"] = tags,
            ["options"] = new JsonObject(),
            ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/projects/{project.Id}"),
        }.WithExtra(project.Extra);
    }

    private static PolicyTarget Target(ProjectRecord project) =>
        new PolicyTarget().Set("target.project.id", project.Id).Set("target.project.domain_id", project.DomainId);

    private static async Task<IResult> ListAsync(HttpContext context, ProjectStore projects, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var domainId = request.Query("domain_id");
        context.Authorize(policy, "identity:list_projects", new PolicyTarget().Set("target.domain_id", domainId));
        if (request.QueryBool("is_domain") == true)
            return KeystoneResponses.Collection(request, "projects", []);
        var filter = new ProjectFilter(
            Name: request.Query("name"), DomainId: domainId, ParentId: request.Query("parent_id"), Enabled: request.QueryBool("enabled"),
            Tags: SplitTags(request.Query("tags")), TagsAny: SplitTags(request.Query("tags-any")));
        var found = await projects.ListAsync(filter, cancellationToken);
        var notTags = SplitTags(request.Query("not-tags"));
        var notTagsAny = SplitTags(request.Query("not-tags-any"));
        var visible = found.Where(p =>
            (notTags is null || !notTags.All(p.Tags.Contains)) && (notTagsAny is null || !notTagsAny.Any(p.Tags.Contains)));
        return KeystoneResponses.Collection(request, "projects", visible.Select(p => ToJson(p, request)));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ProjectStore projects, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var project = await projects.FindAsync(id, cancellationToken);
        context.Authorize(policy, "identity:get_project", project is null ? new PolicyTarget().Set("target.project.id", id) : Target(project));
        if (project is null)
            throw ApiFault.NotFound($"Could not find project: {id}.");
        return KeystoneResponses.Single("project", ToJson(project, context.Request));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ProjectStore projects, DomainStore domains, PolicyEngine policy,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("project");
        if (body.OptionalBool("is_domain") == true)
            throw ApiFault.BadRequest("Projects acting as domains are not supported; create a domain instead.");
        var caller = context.Caller();
        var parentId = body.OptionalString("parent_id");
        ProjectRecord? parent = null;
        if (parentId is not null && await domains.FindAsync(parentId, cancellationToken) is null)
            parent = await projects.FindAsync(parentId, cancellationToken) ?? throw ApiFault.NotFound($"Could not find project: {parentId}.");

        var domainId = body.OptionalString("domain_id") ?? parent?.DomainId ?? (parentId is not null ? parentId : null)
            ?? caller?.ProjectDomainId ?? caller?.DomainId ?? DomainRecord.DefaultId;
        if (parent is not null && parent.DomainId != domainId)
            throw ApiFault.BadRequest("A project's domain must be the domain of its parent.");
        if (parent is null && parentId is not null && parentId != domainId)
            throw ApiFault.BadRequest("A top-level project's parent must be its own domain.");
        var domain = await domains.FindAsync(domainId, cancellationToken) ?? throw ApiFault.NotFound($"Could not find domain: {domainId}.");

        var project = new ProjectRecord
        {
            Id = Identifiers.NewHexId(),
            Name = body.RequireString("name", 64),
            DomainId = domain.Id,
            ParentId = parent?.Id,
            Description = body.OptionalString("description", 65535) ?? "",
            Enabled = body.OptionalBool("enabled") ?? true,
            Extra = KeystoneResponses.ExtraOf(body, "{}", Fields),
            CreatedAt = IdentityRequest.Now(clock),
            Tags = ReadTags(body) ?? [],
        };
        context.Authorize(policy, "identity:create_project", Target(project));
        await projects.CreateAsync(project, cancellationToken);
        return KeystoneResponses.Single("project", ToJson(project, context.Request), StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, ProjectStore projects, RevocationList revocations,
        PolicyEngine policy, CancellationToken cancellationToken)
    {
        var project = await projects.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:update_project", Target(project));
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("project");
        IdentityRequest.RequireMatchingId(body.OptionalString("id"), id);
        if (body.OptionalString("domain_id") is { } domainId && domainId != project.DomainId)
            throw ApiFault.BadRequest("Update of `domain_id` is not allowed.");
        if (body.Has("parent_id") && body.OptionalString("parent_id") != (project.ParentId ?? project.DomainId))
            throw ApiFault.BadRequest("Update of `parent_id` is not allowed.");
        var wasEnabled = project.Enabled;
        project.Name = body.OptionalString("name", 64) ?? project.Name;
        project.Description = body.OptionalString("description", 65535) ?? project.Description;
        project.Enabled = body.OptionalBool("enabled") ?? project.Enabled;
        project.Tags = ReadTags(body) ?? project.Tags;
        project.Extra = KeystoneResponses.ExtraOf(body, project.Extra, Fields);
        await projects.UpdateAsync(project, cancellationToken);
        if (wasEnabled && !project.Enabled)
            await revocations.RevokeProjectAsync(project.Id, cancellationToken);
        return KeystoneResponses.Single("project", ToJson(project, context.Request));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, ProjectStore projects, RevocationList revocations,
        PolicyEngine policy, CancellationToken cancellationToken)
    {
        var project = await projects.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:delete_project", Target(project));
        if (await projects.HasChildrenAsync(id, cancellationToken))
            throw ApiFault.Forbidden($"Cannot delete project {id}: it has sub-projects; delete them first.");
        await projects.DeleteAsync(id, cancellationToken);
        await revocations.RevokeProjectAsync(id, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> ListTagsAsync(string id, HttpContext context, ProjectStore projects, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var project = await projects.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:get_project_tags", Target(project));
        return KeystoneResponses.Json(new JsonObject { ["tags"] = new JsonArray([.. project.Tags.Select(t => (JsonNode)t!)]) });
    }

    private static async Task<IResult> ReplaceTagsAsync(string id, HttpContext context, ProjectStore projects, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var project = await projects.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:update_project_tags", Target(project));
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        project.Tags = ReadTags(body) ?? throw ApiFault.BadRequest("Invalid input: 'tags' is a required property.");
        await projects.UpdateAsync(project, cancellationToken);
        return KeystoneResponses.Json(new JsonObject { ["tags"] = new JsonArray([.. project.Tags.Select(t => (JsonNode)t!)]) });
    }

    private static async Task<IResult> CheckTagAsync(string id, string tag, HttpContext context, ProjectStore projects, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var project = await projects.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:get_project_tag", Target(project));
        return project.Tags.Contains(tag) ? Results.NoContent() : throw ApiFault.NotFound($"Tag {tag} not found on project {id}.");
    }

    private static async Task<IResult> AddTagAsync(string id, string tag, HttpContext context, ProjectStore projects, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var project = await projects.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:create_project_tag", Target(project));
        ValidateTag(tag);
        if (!project.Tags.Contains(tag))
        {
            project.Tags.Add(tag);
            await projects.UpdateAsync(project, cancellationToken);
        }
        return Results.Created($"{IdentityUrls.V3(context.Request)}/projects/{id}/tags/{tag}", null);
    }

    private static async Task<IResult> RemoveTagAsync(string id, string tag, HttpContext context, ProjectStore projects, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var project = await projects.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:delete_project_tag", Target(project));
        if (!project.Tags.Remove(tag))
            throw ApiFault.NotFound($"Tag {tag} not found on project {id}.");
        await projects.UpdateAsync(project, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> ClearTagsAsync(string id, HttpContext context, ProjectStore projects, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var project = await projects.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:delete_project_tags", Target(project));
        project.Tags = [];
        await projects.UpdateAsync(project, cancellationToken);
        return Results.NoContent();
    }

    private static List<string>? ReadTags(JsonObject body)
    {
        var array = body.OptionalArray("tags");
        if (array is null)
            return null;
        var tags = new List<string>();
        foreach (var item in array)
        {
            var tag = item?.GetValueKind() == System.Text.Json.JsonValueKind.String ? item.GetValue<string>() : throw ApiFault.BadRequest("Invalid input for field 'tags': tags are strings.");
            ValidateTag(tag);
            if (!tags.Contains(tag))
                tags.Add(tag);
        }
        if (tags.Count > 80)
            throw ApiFault.BadRequest("Invalid input for field 'tags': at most 80 tags.");
        return tags;
    }

    private static void ValidateTag(string tag)
    {
        if (tag.Length is 0 or > 255 || tag.Contains('/') || tag.Contains(','))
            throw ApiFault.BadRequest($"Invalid tag '{tag}': 1 to 255 characters, without '/' or ','.");
    }

    private static List<string>? SplitTags(string? value) => value?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
}
