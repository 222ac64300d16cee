using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CloudBox.Core.Compute;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Storage;

namespace CloudBox.Telemetry.Prometheus;

/// <summary>
/// Writes <c>/metrics</c>: serve's own process and request figures, VMs on this host by state,
/// every live server as an info series, and the latest stored measure of each collector meter
/// labelled with its project, server (or volume, image, container) and name. Resources are read
/// a page at a time and each page is flushed before the next is read, so memory stays bounded
/// whatever the cloud's size.
/// </summary>
internal sealed class PrometheusExporter(LatestMeasureStore latest, RequestMetrics requests, IVmStatistics vms, MeasureStore queue,
    TelemetrySettings settings, TimeProvider clock)
{
    /// <summary>A measure older than this is a stopped or gone resource's and is left out.</summary>
    private TimeSpan Staleness => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(5).Ticks, settings.PollInterval.Ticks * 3));

    public async Task WriteAsync(Stream body, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(body, new UTF8Encoding(false), 64 * 1024);
        var output = new StringBuilder(64 * 1024);

        WriteProcess(output);
        requests.Write(output);
        var (backlogMetrics, backlogMeasures) = await queue.BacklogAsync(cancellationToken);
        PrometheusText.Header(output, "cloudbox_telemetry_backlog_measures", "gauge", "Measures acknowledged and not aggregated yet.");
        PrometheusText.Sample(output, "cloudbox_telemetry_backlog_measures", [], backlogMeasures);
        PrometheusText.Header(output, "cloudbox_telemetry_backlog_metrics", "gauge", "Metric entries in the measure queue.");
        PrometheusText.Sample(output, "cloudbox_telemetry_backlog_metrics", [], backlogMetrics);

        PrometheusText.Header(output, "cloudbox_vms", "gauge", "Servers placed on this host, by VM state.");
        foreach (var group in (await vms.ListAsync(cancellationToken)).GroupBy(v => v.State).OrderBy(g => g.Key, StringComparer.Ordinal))
            PrometheusText.Sample(output, "cloudbox_vms", [("state", group.Key)], group.Count());
        await FlushAsync(writer, output, cancellationToken);

        PrometheusText.Header(output, "cloudbox_server_info", "gauge", "Every server Telemetry knows, with its project, name, flavor and host.");
        var marker = "";
        while (true)
        {
            var page = await latest.ResourcesAsync("instance", marker, cancellationToken);
            foreach (var resource in page)
            {
                using var attributes = JsonDocument.Parse(resource.Attributes);
                PrometheusText.Sample(output, "cloudbox_server_info",
                [
                    ("project_id", resource.ProjectId ?? ""), ("server_id", resource.Id), ("name", Text(attributes, "display_name")),
                    ("flavor_id", Text(attributes, "flavor_id")), ("host", Text(attributes, "host")),
                ], 1);
            }
            await FlushAsync(writer, output, cancellationToken);
            if (page.Count < LatestMeasureStore.PageSize)
                break;
            marker = page[^1].Id;
        }

        var oldest = GnocchiTime.ToNanos(clock.GetUtcNow() - Staleness);
        foreach (var family in MeterFamily.All)
        {
            PrometheusText.Header(output, family.Name, family.Type, family.Help);
            marker = "";
            while (true)
            {
                var page = await latest.PageAsync(family.ResourceType, family.Meter, marker, cancellationToken);
                var servers = family.Labels is MeterLabels.ServerInterface or MeterLabels.ServerDisk
                    ? await latest.AttributesAsync([.. page.Select(r => InstanceOf(r.Attributes)).OfType<string>().Distinct()], cancellationToken)
                    : null;
                foreach (var row in page)
                {
                    if (row.Point is not { } point || point.Timestamp < oldest)
                        continue;
                    WriteSample(output, family, row, servers, point.Value);
                }
                await FlushAsync(writer, output, cancellationToken);
                if (page.Count < LatestMeasureStore.PageSize)
                    break;
                marker = page[^1].MetricId;
            }
        }
        await FlushAsync(writer, output, cancellationToken);
    }

    private static void WriteSample(StringBuilder output, MeterFamily family, LatestMeasureStore.Row row, Dictionary<string, string>? servers, double value)
    {
        using var attributes = JsonDocument.Parse(row.Attributes);
        var project = row.ProjectId ?? "";
        switch (family.Labels)
        {
            case MeterLabels.Server:
                PrometheusText.Sample(output, family.Name, [("project_id", project), ("server_id", row.ResourceId), ("name", Text(attributes, "display_name"))], value);
                break;
            case MeterLabels.ServerInterface:
            case MeterLabels.ServerDisk:
            {
                var server = Text(attributes, "instance_id");
                var serverName = "";
                if (servers is not null && servers.TryGetValue(server, out var serverAttributes))
                {
                    using var parsed = JsonDocument.Parse(serverAttributes);
                    serverName = Text(parsed, "display_name");
                }
                PrometheusText.Sample(output, family.Name,
                    [("project_id", project), ("server_id", server), ("name", serverName), (family.Labels == MeterLabels.ServerDisk ? "disk" : "interface", Text(attributes, "name"))], value);
                break;
            }
            case MeterLabels.Volume:
                PrometheusText.Sample(output, family.Name, [("project_id", project), ("volume_id", row.ResourceId), ("name", Text(attributes, "display_name"))], value);
                break;
            case MeterLabels.Image:
                PrometheusText.Sample(output, family.Name, [("project_id", project), ("image_id", row.ResourceId), ("name", Text(attributes, "name"))], value);
                break;
            case MeterLabels.Container:
            {
                // The collector names a container's resource project_container.
                var container = row.OriginalResourceId.StartsWith(project + "_", StringComparison.Ordinal) ? row.OriginalResourceId[(project.Length + 1)..] : row.OriginalResourceId;
                PrometheusText.Sample(output, family.Name, [("project_id", project), ("container", container)], value);
                break;
            }
            default:
                PrometheusText.Sample(output, family.Name, [("project_id", project)], value);
                break;
        }
    }

    private static string? InstanceOf(string attributes)
    {
        using var parsed = JsonDocument.Parse(attributes);
        var id = Text(parsed, "instance_id");
        return id.Length > 0 ? id : null;
    }

    private static string Text(JsonDocument document, string name) =>
        document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? "" : value.GetRawText()
            : "";

    private static void WriteProcess(StringBuilder output)
    {
        using var process = Process.GetCurrentProcess();
        PrometheusText.Header(output, "process_cpu_seconds_total", "counter", "CPU time serve has used, user and system.");
        PrometheusText.Sample(output, "process_cpu_seconds_total", [], process.TotalProcessorTime.TotalSeconds);
        PrometheusText.Header(output, "process_resident_memory_bytes", "gauge", "serve's resident memory.");
        PrometheusText.Sample(output, "process_resident_memory_bytes", [], process.WorkingSet64);
        PrometheusText.Header(output, "process_start_time_seconds", "gauge", "When serve started, in seconds since the epoch.");
        PrometheusText.Sample(output, "process_start_time_seconds", [], new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        PrometheusText.Header(output, "dotnet_gc_heap_bytes", "gauge", "Bytes of serve's managed heap.");
        PrometheusText.Sample(output, "dotnet_gc_heap_bytes", [], GC.GetTotalMemory(false));
    }

    private static async Task FlushAsync(StreamWriter writer, StringBuilder output, CancellationToken cancellationToken)
    {
        if (output.Length == 0)
            return;
        await writer.WriteAsync(output, cancellationToken);
        await writer.FlushAsync(cancellationToken);
        output.Clear();
    }
}
