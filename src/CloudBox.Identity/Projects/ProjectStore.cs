using System.Text;
using CloudBox.Core.Api;
using CloudBox.Core.Data;
using CloudBox.Identity.Data;
using Dapper;

namespace CloudBox.Identity.Projects;

public sealed class ProjectStore(Database database, IdentityChanges changes)
{
    private const string Columns = "id, name, domain_id, parent_id, description, enabled, extra, created_at";

    public async Task<ProjectRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        var found = await ListAsync(new ProjectFilter(Ids: [id]), cancellationToken);
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<ProjectRecord> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await FindAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Could not find project: {id}.");

    public async Task<ProjectRecord?> FindByNameAsync(string name, string domainId, CancellationToken cancellationToken = default)
    {
        var found = await ListAsync(new ProjectFilter(Name: name, DomainId: domainId), cancellationToken);
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<IReadOnlyList<ProjectRecord>> ListAsync(ProjectFilter filter, CancellationToken cancellationToken = default)
    {
        var sql = new StringBuilder($"SELECT {Columns} FROM identity_projects p WHERE 1 = 1");
        var args = new DynamicParameters();
        if (filter.Name is not null) { sql.Append(" AND name = @name"); args.Add("name", filter.Name); }
        if (filter.DomainId is not null) { sql.Append(" AND domain_id = @domainId"); args.Add("domainId", filter.DomainId); }
        if (filter.ParentId is not null)
        {
            // A top-level project's parent is its domain.
            sql.Append(" AND (parent_id = @parentId OR (parent_id IS NULL AND domain_id = @parentId))");
            args.Add("parentId", filter.ParentId);
        }
        if (filter.Enabled is not null) { sql.Append(" AND enabled = @enabled"); args.Add("enabled", filter.Enabled.Value); }
        if (filter.Ids is not null)
        {
            if (filter.Ids.Count == 0)
                return [];
            sql.Append(" AND id IN (");
            for (var i = 0; i < filter.Ids.Count; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append("@id").Append(i);
                args.Add("id" + i, filter.Ids[i]);
            }
            sql.Append(')');
        }
        if (filter.Tags is not null)
        {
            for (var i = 0; i < filter.Tags.Count; i++)
            {
                sql.Append($" AND EXISTS (SELECT 1 FROM identity_project_tags t WHERE t.project_id = p.id AND t.tag = @tag{i})");
                args.Add("tag" + i, filter.Tags[i]);
            }
        }
        if (filter.TagsAny is { Count: > 0 })
        {
            sql.Append(" AND EXISTS (SELECT 1 FROM identity_project_tags t WHERE t.project_id = p.id AND t.tag IN (");
            for (var i = 0; i < filter.TagsAny.Count; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append("@anyTag").Append(i);
                args.Add("anyTag" + i, filter.TagsAny[i]);
            }
            sql.Append("))");
        }
        sql.Append(" ORDER BY name, id");

        await using var connection = await database.OpenAsync(cancellationToken);
        var projects = (await connection.QueryAsync<ProjectRecord>(sql.ToString(), args)).AsList();
        if (projects.Count > 0)
        {
            var byId = projects.ToDictionary(p => p.Id);
            // Few projects: fetch just their tags; many: one scan of the (small) tag table beats a huge IN list.
            var tags = projects.Count <= 100
                ? await connection.QueryAsync<(string ProjectId, string Tag)>(
                    $"SELECT project_id, tag FROM identity_project_tags WHERE {database.InList("project_id", "ids")} ORDER BY tag", new { ids = byId.Keys.ToArray() })
                : await connection.QueryAsync<(string ProjectId, string Tag)>("SELECT project_id, tag FROM identity_project_tags ORDER BY tag");
            foreach (var (projectId, tag) in tags)
            {
                if (byId.TryGetValue(projectId, out var project))
                    project.Tags.Add(tag);
            }
        }
        return projects;
    }

    /// <summary>The chain of ancestors of a project, nearest first (its domain is not included).</summary>
    public async Task<IReadOnlyList<string>> AncestorIdsAsync(string projectId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var ancestors = new List<string>();
        var current = await connection.ExecuteScalarAsync<string?>("SELECT parent_id FROM identity_projects WHERE id = @projectId", new { projectId });
        while (current is not null && !ancestors.Contains(current))
        {
            ancestors.Add(current);
            current = await connection.ExecuteScalarAsync<string?>("SELECT parent_id FROM identity_projects WHERE id = @current", new { current });
        }
        return ancestors;
    }

    public async Task<bool> HasChildrenAsync(string projectId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM identity_projects WHERE parent_id = @projectId", new { projectId }) > 0;
    }

    public async Task CreateAsync(ProjectRecord project, CancellationToken cancellationToken = default)
    {
        try
        {
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                await connection.ExecuteAsync(
                    $"INSERT INTO identity_projects ({Columns}) VALUES (@Id, @Name, @DomainId, @ParentId, @Description, @Enabled, @Extra, @CreatedAt)",
                    project, transaction);
                await ReplaceTagsAsync(connection, transaction, project);
            }, cancellationToken);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : {project.Name}.");
        }
        changes.Bump();
    }

    public async Task UpdateAsync(ProjectRecord project, CancellationToken cancellationToken = default)
    {
        try
        {
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                await connection.ExecuteAsync(
                    "UPDATE identity_projects SET name = @Name, description = @Description, enabled = @Enabled, extra = @Extra WHERE id = @Id",
                    project, transaction);
                await ReplaceTagsAsync(connection, transaction, project);
            }, cancellationToken);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : {project.Name}.");
        }
        changes.Bump();
    }

    /// <summary>Deletes a project with no children, its role assignments and application credentials.</summary>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(
                """
                DELETE FROM identity_assignments WHERE target_type = 'project' AND target_id = @id;
                DELETE FROM identity_application_credentials WHERE project_id = @id;
                DELETE FROM identity_projects WHERE id = @id;
                """, new { id }, transaction);
        }, cancellationToken);
        changes.Bump();
    }

    private static async Task ReplaceTagsAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, ProjectRecord project)
    {
        await connection.ExecuteAsync("DELETE FROM identity_project_tags WHERE project_id = @Id", project, transaction);
        foreach (var tag in project.Tags.Distinct(StringComparer.Ordinal))
            await connection.ExecuteAsync("INSERT INTO identity_project_tags (project_id, tag) VALUES (@id, @tag)", new { id = project.Id, tag }, transaction);
    }
}
