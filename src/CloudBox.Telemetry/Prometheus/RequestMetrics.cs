using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using CloudBox.Core.Modules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace CloudBox.Telemetry.Prometheus;

/// <summary>
/// serve's own request counts and latencies, per module, route template, method and status:
/// listens to ASP.NET Core's <c>http.server.request.duration</c> of this host's meter factory
/// (another host in the same process is not counted) and keeps a fixed-bucket histogram per
/// series. Route templates are finite, and the series are capped anyway.
/// </summary>
internal sealed class RequestMetrics : IHostedService, IDisposable
{
    public const int MaxSeries = 4096;

    /// <summary>Upper bounds of the latency buckets in seconds.</summary>
    private static readonly double[] Bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Route, string Method, int Status), Series> _series = new();
    private readonly ConcurrentDictionary<string, string> _moduleOfRoute = new(StringComparer.Ordinal);
    private readonly ModuleRegistry _modules;

    private sealed class Series
    {
        public readonly long[] Buckets = new long[Bounds.Length];
        public long Count;
        public double Sum;
    }

    public RequestMetrics(IMeterFactory meterFactory, ModuleRegistry modules)
    {
        _modules = modules;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Microsoft.AspNetCore.Hosting" && instrument.Name == "http.server.request.duration"
                && ReferenceEquals(instrument.Meter.Scope, meterFactory))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.Start();
    }

    private void OnMeasurement(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string route = "(unrouted)", method = "";
        var status = 0;
        foreach (var (key, value) in tags)
        {
            switch (key)
            {
                case "http.route": route = value as string ?? route; break;
                case "http.request.method": method = value as string ?? ""; break;
                case "http.response.status_code": status = value is int code ? code : 0; break;
            }
        }
        var key3 = (route, method, status);
        if (!_series.TryGetValue(key3, out var series))
        {
            if (_series.Count >= MaxSeries)
                key3 = ("(other)", method, status);
            series = _series.GetOrAdd(key3, _ => new Series());
        }
        var bucket = Array.BinarySearch(Bounds, seconds);
        if (bucket < 0)
            bucket = ~bucket;
        lock (series)
        {
            if (bucket < Bounds.Length)
                series.Buckets[bucket]++;
            series.Count++;
            series.Sum += seconds;
        }
    }

    /// <summary>The module a route template belongs to (its catalog name), or its first segment.</summary>
    private string ModuleOf(string route) => _moduleOfRoute.GetOrAdd(route, r =>
    {
        var literal = r.Split('{')[0];
        if (_modules.FindByPath(new PathString(literal.StartsWith('/') ? literal : "/" + literal)) is { } module)
            return module.Name;
        var segment = literal.Trim('/').Split('/')[0];
        return segment.Length > 0 ? segment : "(root)";
    });

    public void Write(StringBuilder output)
    {
        var snapshot = _series.OrderBy(s => s.Key.Route, StringComparer.Ordinal).ThenBy(s => s.Key.Method, StringComparer.Ordinal).ThenBy(s => s.Key.Status).ToList();
        PrometheusText.Header(output, "cloudbox_http_requests_total", "counter", "Requests serve answered, by module, route template, method and status.");
        foreach (var ((route, method, status), series) in snapshot)
        {
            long count;
            lock (series)
                count = series.Count;
            PrometheusText.Sample(output, "cloudbox_http_requests_total",
                [("module", ModuleOf(route)), ("route", route), ("method", method), ("code", status.ToString(System.Globalization.CultureInfo.InvariantCulture))], count);
        }
        PrometheusText.Header(output, "cloudbox_http_request_duration_seconds", "histogram", "Time serve took to answer, by module, route template and method.");
        foreach (var group in snapshot.GroupBy(s => (s.Key.Route, s.Key.Method)))
        {
            var buckets = new long[Bounds.Length];
            long count = 0;
            double sum = 0;
            foreach (var (_, series) in group)
            {
                lock (series)
                {
                    for (var i = 0; i < buckets.Length; i++)
                        buckets[i] += series.Buckets[i];
                    count += series.Count;
                    sum += series.Sum;
                }
            }
            var module = ModuleOf(group.Key.Route);
            long cumulative = 0;
            for (var i = 0; i < Bounds.Length; i++)
            {
                cumulative += buckets[i];
                PrometheusText.Sample(output, "cloudbox_http_request_duration_seconds_bucket",
                    [("module", module), ("route", group.Key.Route), ("method", group.Key.Method), ("le", PrometheusText.Value(Bounds[i]))], cumulative);
            }
            PrometheusText.Sample(output, "cloudbox_http_request_duration_seconds_bucket", [("module", module), ("route", group.Key.Route), ("method", group.Key.Method), ("le", "+Inf")], count);
            PrometheusText.Sample(output, "cloudbox_http_request_duration_seconds_sum", [("module", module), ("route", group.Key.Route), ("method", group.Key.Method)], sum);
            PrometheusText.Sample(output, "cloudbox_http_request_duration_seconds_count", [("module", module), ("route", group.Key.Route), ("method", group.Key.Method)], count);
        }
    }

    /// <summary>Requests answered so far, their summed latency and latency histogram, by module (all routes, methods and statuses of it together).</summary>
    public Dictionary<string, RequestTotals> TotalsByModule()
    {
        var totals = new Dictionary<string, RequestTotals>(StringComparer.Ordinal);
        foreach (var ((route, _, _), series) in _series)
        {
            var module = ModuleOf(route);
            if (!totals.TryGetValue(module, out var total))
                totals[module] = total = new RequestTotals(new long[Bounds.Length]);
            lock (series)
            {
                total.Count += series.Count;
                total.Sum += series.Sum;
                for (var i = 0; i < Bounds.Length; i++)
                    total.Buckets[i] += series.Buckets[i];
            }
        }
        return totals;
    }

    /// <summary>
    /// The latency in seconds under which <paramref name="quantile"/> of the requests counted by
    /// <paramref name="buckets"/> (a histogram of <paramref name="count"/> requests) fell, interpolated
    /// within its bucket as Prometheus' histogram_quantile does; the last finite bound when it falls beyond.
    /// </summary>
    public static double Quantile(long[] buckets, long count, double quantile)
    {
        if (count <= 0)
            return 0;
        var rank = quantile * count;
        long cumulative = 0;
        for (var i = 0; i < Bounds.Length; i++)
        {
            var before = cumulative;
            cumulative += buckets[i];
            if (cumulative >= rank)
            {
                var lower = i == 0 ? 0 : Bounds[i - 1];
                return buckets[i] == 0 ? Bounds[i] : lower + (Bounds[i] - lower) * (rank - before) / buckets[i];
            }
        }
        return Bounds[^1];
    }

    /// <summary>Listening starts when the host builds this (as a hosted service, at start); nothing more to do.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();
}
