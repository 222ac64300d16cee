// S3 small-object load: N concurrent clients PUT then GET objects of a fixed size against one
// bucket for a fixed time each, and report operations per second and latency percentiles.
// Signs with SigV4 itself (a load client, independent of the server's code).
//   dotnet run s3load.cs -- ENDPOINT ACCESS SECRET BUCKET [concurrency=16] [seconds=10] [bytes=4096]
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

var endpoint = args[0].TrimEnd('/');
var access = args[1];
var secret = args[2];
var bucket = args[3];
var concurrency = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 16;
var seconds = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 10;
var size = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 4096;

var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
var payload = RandomNumberGenerator.GetBytes(size);
var payloadHash = Convert.ToHexStringLower(SHA256.HashData(payload));
var emptyHash = Convert.ToHexStringLower(SHA256.HashData([]));
var keysPerClient = new int[concurrency];

await RunAsync("PUT", async (client, i) =>
{
    using var request = Signed(HttpMethod.Put, $"/{bucket}/c{client}/o{i}", payloadHash);
    request.Content = new ByteArrayContent(payload);
    using var response = await http.SendAsync(request);
    if (!response.IsSuccessStatusCode)
        throw new InvalidOperationException($"PUT answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    keysPerClient[client] = i + 1;
});
await RunAsync("GET", async (client, i) =>
{
    var key = i % Math.Max(1, keysPerClient[client]);
    using var request = Signed(HttpMethod.Get, $"/{bucket}/c{client}/o{key}", emptyHash);
    using var response = await http.SendAsync(request);
    var body = await response.Content.ReadAsByteArrayAsync();
    if (!response.IsSuccessStatusCode || body.Length != size)
        throw new InvalidOperationException($"GET answered {(int)response.StatusCode} with {body.Length} bytes");
});

async Task RunAsync(string name, Func<int, int, Task> operation)
{
    var latencies = new List<double>[concurrency];
    var stop = Stopwatch.StartNew();
    var deadline = TimeSpan.FromSeconds(seconds);
    var workers = Enumerable.Range(0, concurrency).Select(client => Task.Run(async () =>
    {
        var mine = latencies[client] = [];
        for (var i = 0; stop.Elapsed < deadline; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await operation(client, i);
            mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    })).ToArray();
    await Task.WhenAll(workers);
    var elapsed = stop.Elapsed.TotalSeconds;
    var all = latencies.SelectMany(l => l).Order().ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name} {size} B x{concurrency}: {all.Length / elapsed:F0} ops/s ({all.Length} in {elapsed:F1} s), latency p50 {all[all.Length / 2]:F2} ms, p99 {all[(int)(all.Length * 0.99)]:F2} ms"));
}

HttpRequestMessage Signed(HttpMethod method, string path, string hash)
{
    var uri = new Uri(endpoint + path);
    var amzDate = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
    var scope = $"{amzDate[..8]}/us-east-1/s3/aws4_request";
    var canonical = $"{method.Method}\n{uri.AbsolutePath}\n\nhost:{uri.Authority}\nx-amz-content-sha256:{hash}\nx-amz-date:{amzDate}\n\nhost;x-amz-content-sha256;x-amz-date\n{hash}";
    var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
    var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), amzDate[..8]);
    foreach (var part in new[] { "us-east-1", "s3", "aws4_request" })
        key = Hmac(key, part);
    var request = new HttpRequestMessage(method, uri);
    request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
    request.Headers.TryAddWithoutValidation("x-amz-content-sha256", hash);
    request.Headers.TryAddWithoutValidation("Authorization",
        $"AWS4-HMAC-SHA256 Credential={access}/{scope},SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature={Convert.ToHexStringLower(Hmac(key, toSign))}");
    return request;
}

static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
