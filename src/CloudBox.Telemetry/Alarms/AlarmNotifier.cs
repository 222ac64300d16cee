using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Telemetry.Alarms;

/// <summary>
/// Runs alarm actions off the evaluator's path: <c>http(s)://</c> gets Aodh's JSON body by POST,
/// <c>trust+http(s)://</c> the same (the trust's token is not issued yet: the URL must carry its
/// own credentials, as Heat's pre-signed URLs do), <c>log://</c> a log line.
/// </summary>
internal sealed partial class AlarmNotifier(ILogger<AlarmNotifier> logger) : BackgroundService
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Channel<(string Url, JsonObject Body)> _queue = Channel.CreateBounded<(string, JsonObject)>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });

    public void Enqueue(string url, JsonObject body) => _queue.Writer.TryWrite((url, body));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (url, body) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                if (url.StartsWith("log:", StringComparison.Ordinal))
                {
                    LogAction(body["alarm_name"]?.GetValue<string>() ?? "", body["previous"]?.GetValue<string>() ?? "", body["current"]?.GetValue<string>() ?? "", body["reason"]?.GetValue<string>() ?? "");
                    continue;
                }
                var target = url.StartsWith("trust+", StringComparison.Ordinal) ? url["trust+".Length..] : url;
                using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
                using var response = await Client.PostAsync(target, content, stoppingToken);
                if (!response.IsSuccessStatusCode)
                    LogRefused(url, (int)response.StatusCode);
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException or UriFormatException)
            {
                LogFailed(error, url);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alarm {Name} went from {Previous} to {Current}: {Reason}")]
    private partial void LogAction(string name, string previous, string current, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alarm action {Url} answered {Status}")]
    private partial void LogRefused(string url, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alarm action {Url} failed")]
    private partial void LogFailed(Exception error, string url);
}
