using CloudBox.Core.Api.Aws;
using CloudBox.Core.Configuration;
using CloudBox.Objects.S3.Auth;
using CloudBox.Objects.S3.Handlers;
using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CloudBox.Objects.S3;

/// <summary>
/// Everything that arrives on the S3 port: authenticates it, picks the operation from method,
/// bucket, key and sub-resource, and answers every failure as an S3 XML error with a request id.
/// </summary>
internal sealed partial class S3Dispatcher(S3Authenticator authenticator, S3Services services, CloudBoxOptions options, ILogger<S3Dispatcher> logger)
{
    /// <summary>S3's limit on a key's UTF-8 length.</summary>
    private const int MaxKeyBytes = 1024;

    private readonly string? _virtualHostSuffix = VirtualHostSuffix(options);

    public async Task InvokeAsync(HttpContext http)
    {
        var requestId = Guid.NewGuid().ToString("N")[..16].ToUpperInvariant();
        http.Response.Headers["x-amz-request-id"] = requestId;
        http.Response.Headers["x-amz-id-2"] = requestId;
        try
        {
            var request = S3Request.Parse(http.Request, _virtualHostSuffix);
            var caller = await authenticator.AuthenticateAsync(http.Request, request.Query, request.HostBucket, http.RequestAborted);
            await RouteAsync(new S3Context(http, request, caller, services));
        }
        catch (Exception exception) when (Translate(exception, http) is { } error)
        {
            if (http.Response.HasStarted)
            {
                http.Abort(); // too late for an error body: cut the stream so the client sees the failure
                return;
            }
            http.Response.Clear();
            http.Response.Headers["x-amz-request-id"] = requestId;
            await S3ErrorWriter.WriteAsync(http, error, requestId);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // the client went away
        }
    }

    private static Task RouteAsync(S3Context context)
    {
        var method = context.Http.Request.Method;
        var request = context.Request;
        if (request.Bucket.Length == 0)
        {
            return HttpMethods.IsGet(method) ? ServiceHandlers.ListBucketsAsync(context) : throw S3Error.MethodNotAllowed();
        }
        if (request.Key.Length == 0)
        {
            if (HttpMethods.IsGet(method))
            {
                if (request.Has("location"))
                    return BucketHandlers.GetLocationAsync(context);
                if (request.Has("uploads"))
                    return MultipartHandlers.ListUploadsAsync(context);
                if (request.Has("versioning"))
                    return BucketHandlers.GetVersioningAsync(context);
                if (request.Has("acl"))
                    return AclHandler.GetAsync(context);
                RefuseUnsupportedSubresource(request);
                return request.Get("list-type") == "2" ? ListObjectsHandler.ListV2Async(context) : ListObjectsHandler.ListV1Async(context);
            }
            if (HttpMethods.IsHead(method))
                return BucketHandlers.HeadAsync(context);
            if (HttpMethods.IsPut(method))
            {
                RefuseUnsupportedSubresource(request);
                return BucketHandlers.CreateAsync(context);
            }
            if (HttpMethods.IsDelete(method))
            {
                RefuseUnsupportedSubresource(request);
                return BucketHandlers.DeleteAsync(context);
            }
            if (HttpMethods.IsPost(method) && request.Has("delete"))
                return DeleteObjectsHandler.HandleAsync(context);
            throw S3Error.MethodNotAllowed();
        }

        if ((HttpMethods.IsPut(method) || HttpMethods.IsPost(method)) && System.Text.Encoding.UTF8.GetByteCount(request.Key) > MaxKeyBytes)
            throw new S3Error(400, "KeyTooLongError", "Your key is too long").With("MaxSizeAllowed", MaxKeyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (HttpMethods.IsGet(method))
        {
            if (request.Has("uploadId"))
                return MultipartHandlers.ListPartsAsync(context);
            if (request.Has("acl"))
                return AclHandler.GetAsync(context);
            RefuseUnsupportedSubresource(request);
            return ObjectHandlers.GetAsync(context, withBody: true);
        }
        if (HttpMethods.IsHead(method))
            return ObjectHandlers.GetAsync(context, withBody: false);
        if (HttpMethods.IsPut(method))
        {
            if (request.Has("uploadId"))
            {
                return context.Headers.ContainsKey("x-amz-copy-source") ? MultipartHandlers.UploadPartCopyAsync(context) : MultipartHandlers.UploadPartAsync(context);
            }
            RefuseUnsupportedSubresource(request);
            return context.Headers.ContainsKey("x-amz-copy-source") ? CopyObjectHandler.HandleAsync(context) : ObjectHandlers.PutAsync(context);
        }
        if (HttpMethods.IsDelete(method))
            return request.Has("uploadId") ? MultipartHandlers.AbortAsync(context) : ObjectHandlers.DeleteAsync(context);
        if (HttpMethods.IsPost(method))
        {
            if (request.Has("uploads"))
                return MultipartHandlers.CreateAsync(context);
            if (request.Has("uploadId"))
                return MultipartHandlers.CompleteAsync(context);
        }
        throw S3Error.MethodNotAllowed();
    }

    /// <summary>Sub-resources we do not implement (acl, policy, tagging…) must not fall through to a plain object or bucket operation.</summary>
    private static void RefuseUnsupportedSubresource(S3Request request)
    {
        foreach (var name in (string[])["acl", "policy", "tagging", "lifecycle", "cors", "website", "logging", "notification", "replication",
                     "encryption", "object-lock", "retention", "legal-hold", "torrent", "restore", "select", "accelerate", "requestPayment",
                     "analytics", "inventory", "metrics", "ownershipControls", "publicAccessBlock", "intelligent-tiering", "versions", "attributes"])
        {
            if (request.Has(name))
                throw S3Error.NotImplemented($"The '{name}' sub-resource is not implemented.");
        }
    }

    private S3Error? Translate(Exception exception, HttpContext http) => exception switch
    {
        S3Error error => error,
        AwsAuthException auth => FromAuth(auth),
        OperationCanceledException when http.RequestAborted.IsCancellationRequested => null,
        ContainerNotFoundException => S3Error.NoSuchBucket(""),
        UploadNotFoundException => new S3Error(404, "NoSuchUpload", "The specified upload does not exist."),
        BlobTooLargeException => new S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size."),
        IncompleteBodyException => new S3Error(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header."),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            new S3Error(400, "MaxMessageLengthExceeded", "Your request was too big."),
        BadHttpRequestException bad => new S3Error(400, "BadRequest", bad.Message),
        _ => Unexpected(exception, http),
    };

    private static S3Error FromAuth(AwsAuthException auth)
    {
        var error = new S3Error(auth.Status, auth.Code, auth.Message);
        error.Details.AddRange(auth.Details);
        return error;
    }

    private S3Error Unexpected(Exception exception, HttpContext http)
    {
        LogUnexpected(exception, http.Request.Method, http.Request.Path);
        return new S3Error(500, "InternalError", "We encountered an internal error. Please try again.");
    }

    /// <summary>Virtual-hosted buckets need a host name to hang off; an IP address endpoint means path-style only.</summary>
    private static string? VirtualHostSuffix(CloudBoxOptions options)
    {
        var url = string.IsNullOrEmpty(options.S3PublicUrl) ? options.S3ListenUrl : options.S3PublicUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.HostNameType != UriHostNameType.Dns || uri.Host == "localhost")
            return null;
        return "." + uri.Host;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected error in S3 {Method} {Path}")]
    private partial void LogUnexpected(Exception exception, string method, string path);
}
