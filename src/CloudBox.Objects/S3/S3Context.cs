using CloudBox.Objects.S3.Auth;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.S3;

/// <summary>One authenticated S3 request on its way through a handler.</summary>
internal sealed class S3Context(HttpContext http, S3Request request, S3Caller caller, S3Services services)
{
    public HttpContext Http { get; } = http;
    public S3Request Request { get; } = request;
    public S3Caller Caller { get; } = caller;
    public S3Services Services { get; } = services;

    public string Bucket => Request.Bucket;
    public string Key => Request.Key;
    public HttpResponse Response => Http.Response;
    public IHeaderDictionary Headers => Http.Request.Headers;
    public CancellationToken Aborted => Http.RequestAborted;

    public void RequireWrite()
    {
        if (!Caller.CanWrite)
            throw S3Error.AccessDenied();
    }
}
