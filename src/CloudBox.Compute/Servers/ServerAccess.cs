using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;

namespace CloudBox.Compute.Servers;

/// <summary>Who may see and act on a server: its project (admins: any); anyone else is answered 404.</summary>
public static class ServerAccess
{
    public static bool IsAdmin(CallerContext caller) => caller.HasRole("admin");

    public static async Task<ServerRecord> FindVisibleAsync(string id, CallerContext caller, ServerStore servers, CancellationToken cancellationToken)
    {
        var server = await servers.FindAsync(id, cancellationToken);
        if (server is null || server.Deleted || (server.ProjectId != caller.ProjectId && !IsAdmin(caller)))
            throw ApiFault.NotFound($"Instance {id} could not be found.");
        return server;
    }

    /// <summary>409 when the server is locked and the caller is not an admin.</summary>
    public static void CheckNotLocked(ServerRecord server, CallerContext caller)
    {
        if (server.Locked && !IsAdmin(caller))
            throw ApiFault.Conflict($"Instance {server.Id} is locked");
    }

    public static ApiFault InvalidState(ServerRecord server, string action) =>
        ApiFault.Conflict(server.TaskState is null
            ? $"Cannot '{action}' instance {server.Id} while it is in vm_state {server.VmState}"
            : $"Cannot '{action}' instance {server.Id} while it is in task_state {server.TaskState}");
}
