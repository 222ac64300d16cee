using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using CloudBox.Databases.Instances;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Databases.Content;

/// <summary>Trove's <c>/instances/{id}/users</c>: the datastore's users, their passwords and their access to databases.</summary>
internal static class UserEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/instances/{id}/users", ListAsync);
        project.MapPost("/instances/{id}/users", CreateAsync);
        project.MapPut("/instances/{id}/users", ChangePasswordsAsync);
        project.MapGet("/instances/{id}/users/{name}", GetAsync);
        project.MapPut("/instances/{id}/users/{name}", UpdateAsync);
        project.MapDelete("/instances/{id}/users/{name}", DeleteAsync);
        project.MapGet("/instances/{id}/users/{name}/databases", ListAccessAsync);
        project.MapPut("/instances/{id}/users/{name}/databases", GrantAsync);
        project.MapDelete("/instances/{id}/users/{name}/databases/{database}", RevokeAsync);
    }

    /// <summary>Trove names users <c>name@host</c> in URLs; CloudBox's users are all for host '%'.</summary>
    private static string UserName(string name)
    {
        var at = name.IndexOf('@');
        if (at >= 0)
        {
            if (name[(at + 1)..] is not ("%" or "%25"))
                throw ApiFault.NotFound($"User {name} cannot be found.");
            name = name[..at];
        }
        return DatastoreNames.User(name);
    }

    private static async Task<InstanceRecord> ActiveAsync(HttpContext context, PolicyEngine policy, InstanceService instances, string projectId, string id, string action, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, action, projectId);
        var instance = await instances.FindAsync(caller, projectId, id, cancellationToken);
        InstanceService.RequireActive(instance);
        return instance;
    }

    private static async Task<IResult> ListAsync(string projectId, string id, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var instance = await ActiveAsync(context, policy, instances, projectId, id, "trove:instance:extension:user:index", cancellationToken);
        var result = await agent.CallAsync(instance.Id, "list_users", new TaskPayload(), cancellationToken);
        var users = (result.Users ?? []).OrderBy(u => u.Name, StringComparer.Ordinal).ToList();
        return JsonBody.Write(new UserListBody(users), TroveJson.Default.UserListBody);
    }

    private static async Task<IResult> CreateAsync(string projectId, string id, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request, TroveJson.Default.UserListBody, cancellationToken);
        var users = DatastoreNames.Users(body.Users);
        if (users.Count == 0)
            throw ApiFault.BadRequest("Give at least one user.");
        var instance = await ActiveAsync(context, policy, instances, projectId, id, "trove:instance:extension:user:manage", cancellationToken);
        await agent.CallAsync(instance.Id, "create_users", new TaskPayload(Users: users), cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ChangePasswordsAsync(string projectId, string id, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request, TroveJson.Default.UserListBody, cancellationToken);
        if (body.Users is null || body.Users.Count is 0 or > DatastoreNames.MaxItems)
            throw ApiFault.BadRequest($"Give 1 to {DatastoreNames.MaxItems} users with their new passwords.");
        var users = body.Users.Select(u => new UserRef(DatastoreNames.User(u?.Name), DatastoreNames.Password(u?.Password))).ToList();
        var instance = await ActiveAsync(context, policy, instances, projectId, id, "trove:instance:extension:user:manage", cancellationToken);
        foreach (var user in users)
            await agent.CallAsync(instance.Id, "update_user", new TaskPayload(User: user.Name, Password: user.Password), cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> GetAsync(string projectId, string id, string name, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var user = UserName(name);
        var instance = await ActiveAsync(context, policy, instances, projectId, id, "trove:instance:extension:user:index", cancellationToken);
        var result = await agent.CallAsync(instance.Id, "list_users", new TaskPayload(), cancellationToken);
        var found = result.Users?.FirstOrDefault(u => u.Name == user) ?? throw ApiFault.NotFound($"User {user} cannot be found on the instance.");
        return JsonBody.Write(new UserBody(found), TroveJson.Default.UserBody);
    }

    private static async Task<IResult> UpdateAsync(string projectId, string id, string name, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var user = UserName(name);
        var body = await JsonBody.ReadAsync(context.Request, TroveJson.Default.UserUpdateBody, cancellationToken);
        var newName = body.User.Name is null ? null : DatastoreNames.User(body.User.Name);
        var password = body.User.Password is null ? null : DatastoreNames.Password(body.User.Password);
        if (body.User.Host is not null and not "%")
            throw ApiFault.BadRequest("Users may only be for host '%' (any host).");
        var instance = await ActiveAsync(context, policy, instances, projectId, id, "trove:instance:extension:user:manage", cancellationToken);
        await agent.CallAsync(instance.Id, "update_user", new TaskPayload(User: user, Password: password, Users: newName is null ? null : [new UserRef(newName)]), cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> DeleteAsync(string projectId, string id, string name, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var user = UserName(name);
        var instance = await ActiveAsync(context, policy, instances, projectId, id, "trove:instance:extension:user:manage", cancellationToken);
        await agent.CallAsync(instance.Id, "delete_user", new TaskPayload(User: user), cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ListAccessAsync(string projectId, string id, string name, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var user = UserName(name);
        var instance = await ActiveAsync(context, policy, instances, projectId, id, "trove:instance:extension:user:index", cancellationToken);
        var result = await agent.CallAsync(instance.Id, "list_users", new TaskPayload(), cancellationToken);
        var found = result.Users?.FirstOrDefault(u => u.Name == user) ?? throw ApiFault.NotFound($"User {user} cannot be found on the instance.");
        return JsonBody.Write(new DatabaseListBody(found.Databases ?? []), TroveJson.Default.DatabaseListBody);
    }

    private static async Task<IResult> GrantAsync(string projectId, string id, string name, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var user = UserName(name);
        var body = await JsonBody.ReadAsync(context.Request, TroveJson.Default.DatabaseListBody, cancellationToken);
        var databases = DatastoreNames.Databases(body.Databases);
        var instance = await ActiveAsync(context, policy, instances, projectId, id, "trove:instance:extension:user:manage", cancellationToken);
        await agent.CallAsync(instance.Id, "grant", new TaskPayload(User: user, Databases: databases), cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> RevokeAsync(string projectId, string id, string name, string database, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var user = UserName(name);
        var checkedDatabase = DatastoreNames.Database(database);
        var instance = await ActiveAsync(context, policy, instances, projectId, id, "trove:instance:extension:user:manage", cancellationToken);
        await agent.CallAsync(instance.Id, "revoke", new TaskPayload(User: user, Database: checkedDatabase), cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
