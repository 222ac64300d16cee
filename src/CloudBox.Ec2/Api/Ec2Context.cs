using CloudBox.Ec2.Auth;
using CloudBox.Ec2.Data;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Api;

/// <summary>One authenticated EC2 request: its parameters, caller, the OpenStack APIs in the caller's name, and the module's stores.</summary>
internal sealed class Ec2Context(Ec2Request request, string requestId, Ec2Caller caller, OsClient os, Ec2Services services, CancellationToken cancellationToken)
{
    public Ec2Request Request { get; } = request;
    public string RequestId { get; } = requestId;
    public Ec2Caller Caller { get; } = caller;
    public OsClient Os { get; } = os;
    public Ec2Services Services { get; } = services;
    public CancellationToken Aborted { get; } = cancellationToken;

    public Ec2IdStore Ids => Services.Ids;
    public TagStore Tags => Services.Tags;
    public string ProjectId => Caller.ProjectId;

    /// <summary>A response document for the request's action.</summary>
    public Ec2Xml Response() => new(Request.Action, RequestId);
}
