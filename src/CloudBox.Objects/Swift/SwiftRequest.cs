using CloudBox.Core.Api.Auth;
using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>One Swift request: what it names, who sends it, and the services that answer it.</summary>
internal sealed class SwiftRequest(HttpContext context, SwiftPath path, SwiftBackend backend)
{
    public HttpContext Context { get; } = context;
    public HttpRequest Request => Context.Request;
    public HttpResponse Response => Context.Response;
    public SwiftPath Path { get; } = path;
    public SwiftBackend Backend { get; } = backend;
    public ObjectStore Store => Backend.Store;
    public CancellationToken Aborted => Context.RequestAborted;
    public string ProjectId => Path.ProjectId;

    /// <summary>Set when a valid TempURL signature authorizes this one object request.</summary>
    public bool TempUrlGranted { get; set; }

    public string? Query(string name) => Request.Query.TryGetValue(name, out var value) ? value.ToString() : null;

    public bool HasQuery(string name) => Request.Query.ContainsKey(name);

    public string? Header(string name) => Request.Headers.TryGetValue(name, out var value) && value.Count > 0 ? value.ToString() : null;

    /// <summary>The token's caller; 401 when a token was sent but is not valid.</summary>
    public CallerContext? Caller
    {
        get
        {
            var feature = Context.Features.Get<CallerFeature>();
            if (feature is { TokenPresented: true, Caller: null })
                throw SwiftFaults.Unauthorized();
            return feature?.Caller;
        }
    }

    /// <summary>
    /// True when the caller owns the account: a member (or operator) of the account's project,
    /// or an admin. Roles arrive expanded (admin ⇒ member ⇒ reader).
    /// </summary>
    public bool IsOwner(CallerContext? caller) =>
        caller is not null && (caller.HasRole("admin") || (caller.ProjectId == ProjectId && (caller.HasRole("member") || caller.HasRole("swiftoperator"))));

    /// <summary>A reader of the account's project may look but not change: GET and HEAD only.</summary>
    private bool IsProjectReader(CallerContext? caller) =>
        caller is not null && caller.ProjectId == ProjectId && caller.HasRole("reader")
        && (HttpMethods.IsGet(Request.Method) || HttpMethods.IsHead(Request.Method));

    /// <summary>Refuses the request (401 anonymous, 403 otherwise) unless the caller may do <paramref name="operation"/>.</summary>
    public void Authorize(SwiftOperation operation, ContainerRecord? container)
    {
        var caller = Caller;
        if (IsOwner(caller) || IsProjectReader(caller))
            return;
        if (TempUrlGranted && operation is SwiftOperation.ReadObject or SwiftOperation.WriteObject)
            return;
        if (container is not null)
        {
            var referrer = Header("Referer");
            switch (operation)
            {
                case SwiftOperation.ReadObject when ContainerAcl.AllowsReferrer(container.ReadAcl, referrer):
                case SwiftOperation.ListContainer when ContainerAcl.AllowsReferrer(container.ReadAcl, referrer) && ContainerAcl.AllowsListings(container.ReadAcl):
                    return;
                case SwiftOperation.ReadObject or SwiftOperation.ListContainer when caller is not null && ContainerAcl.AllowsCaller(container.ReadAcl, caller):
                    return;
                case SwiftOperation.WriteObject when caller is not null && ContainerAcl.AllowsCaller(container.WriteAcl, caller):
                    return;
            }
        }
        throw caller is null ? SwiftFaults.Unauthorized() : SwiftFaults.Forbidden();
    }
}
