using CloudBox.Core.Api;
using CloudBox.Core.Api.Aws;
using CloudBox.Core.Api.Local;
using CloudBox.Ec2.Actions;
using CloudBox.Ec2.Auth;
using CloudBox.Ec2.OpenStack;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CloudBox.Ec2.Api;

/// <summary>
/// Everything that arrives on the EC2 port: reads the Query parameters (form body or query string),
/// authenticates them, runs the action in the caller's name and answers EC2's XML, or EC2's error
/// document for any failure: never an unexplained 500.
/// </summary>
internal sealed partial class Ec2Dispatcher(Ec2Authenticator authenticator, TokenCache tokens, LocalApi local, Ec2Services services, ILogger<Ec2Dispatcher> logger)
{
    /// <summary>Largest request body (RunInstances user data is at most 16 KiB; ImportKeyPair a few KiB).</summary>
    private const int MaxBodyBytes = 512 * 1024;

    public async Task InvokeAsync(HttpContext http)
    {
        var requestId = Guid.NewGuid().ToString();
        try
        {
            var bytes = await RunAsync(http, requestId);
            http.Response.StatusCode = 200;
            http.Response.ContentType = "text/xml;charset=UTF-8";
            http.Response.ContentLength = bytes.Length;
            await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // the client went away
        }
        catch (Exception exception)
        {
            if (http.Response.HasStarted)
            {
                http.Abort();
                return;
            }
            await Ec2ErrorWriter.WriteAsync(http, Translate(exception, http), requestId);
        }
    }

    private async Task<byte[]> RunAsync(HttpContext http, string requestId)
    {
        var cancellationToken = http.RequestAborted;
        if (!HttpMethods.IsPost(http.Request.Method) && !HttpMethods.IsGet(http.Request.Method))
            throw new Ec2Error(405, "InvalidAction", "The EC2 Query API takes GET or POST requests.");
        var body = await ReadBodyAsync(http.Request, cancellationToken);
        var parameters = Ec2Request.ParseForm(SigV4Verifier.RawQuery(http.Request));
        if (body.Length > 0 && (http.Request.ContentType ?? "").StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            Ec2Request.ParseForm(System.Text.Encoding.UTF8.GetString(body), parameters);
        var request = new Ec2Request(parameters);
        var caller = await authenticator.AuthenticateAsync(http.Request, body, request, cancellationToken);
        if (request.Action.Length == 0)
            throw Ec2Error.MissingParameter("Action");
        var action = Ec2Actions.Find(request.Action) ?? throw Ec2Error.InvalidAction(request.Action);
        string token;
        try
        {
            token = await tokens.TokenAsync(caller.UserId, caller.ProjectId, cancellationToken);
        }
        catch (ApiFault)
        {
            throw Ec2Error.AuthFailure("The credential's user no longer has access to its project.");
        }
        using var os = new OsClient(local.CreateClient(token), caller.ProjectId);
        try
        {
            return await action(new Ec2Context(request, requestId, caller, os, services, cancellationToken));
        }
        catch (OsFault fault) when (fault.Status == 401)
        {
            tokens.Forget(caller.UserId, caller.ProjectId);
            throw Ec2Error.AuthFailure("The credential's user no longer has access to its project.");
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is > MaxBodyBytes)
            throw new Ec2Error(413, "RequestEntityTooLarge", $"The request body is larger than {MaxBodyBytes} bytes.");
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                throw new Ec2Error(413, "RequestEntityTooLarge", $"The request body is larger than {MaxBodyBytes} bytes.");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private Ec2Error Translate(Exception exception, HttpContext http) => exception switch
    {
        Ec2Error error => error,
        AwsAuthException auth => Ec2Authenticator.Translate(auth),
        OsFault fault => FromOpenStack(fault),
        BadHttpRequestException bad => new Ec2Error(400, "InvalidParameterValue", bad.Message),
        _ => Unexpected(exception, http),
    };

    /// <summary>An OpenStack refusal no action translated more precisely.</summary>
    internal static Ec2Error FromOpenStack(OsFault fault) => fault.Status switch
    {
        400 => Ec2Error.InvalidParameterValue(fault.Message),
        401 => Ec2Error.AuthFailure(),
        403 when fault.IsQuota => new Ec2Error(400, "ResourceLimitExceeded", fault.Message),
        403 => Ec2Error.UnauthorizedOperation(fault.Message),
        404 => Ec2Error.InvalidParameterValue(fault.Message),
        409 => new Ec2Error(400, "IncorrectState", fault.Message),
        413 when fault.IsQuota => new Ec2Error(400, "ResourceLimitExceeded", fault.Message),
        _ => new Ec2Error(503, "Unavailable", "The service is unavailable: " + fault.Message),
    };

    private Ec2Error Unexpected(Exception exception, HttpContext http)
    {
        LogUnexpected(exception, http.Request.Method);
        return new Ec2Error(500, "InternalError", "An internal error has occurred.");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "EC2 {Method} request failed unexpectedly")]
    private partial void LogUnexpected(Exception exception, string method);
}
