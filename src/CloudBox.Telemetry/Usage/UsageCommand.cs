using System.Globalization;
using System.Text.Json;
using CloudBox.Core.Api;
using CloudBox.Core.Modules;

namespace CloudBox.Telemetry.Usage;

/// <summary>
/// <c>cloudbox admin usage --project P --start T [--end T] [--format table|json]</c>: the usage
/// report of <c>GET /metric/v1/usage</c>, computed against the cloud's database as its operator.
/// </summary>
internal sealed class UsageCommand(UsageService usage, TimeProvider clock) : IAdminCommand
{
    public string Name => "usage";

    public string Usage => "usage --project PROJECT_ID --start TIME [--end TIME] [--format table|json]  a project's CPU, storage and network usage over a period";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < arguments.Count; i++)
        {
            var name = arguments[i];
            if (name is not ("--project" or "--start" or "--end" or "--format") || i + 1 >= arguments.Count)
                return await FailAsync($"unexpected argument '{name}'");
            values[name[2..]] = arguments[++i];
        }
        if (!values.TryGetValue("project", out var project) || project.Length == 0)
            return await FailAsync("--project is required");
        var format = values.GetValueOrDefault("format") ?? "table";
        if (format is not ("table" or "json"))
            return await FailAsync($"--format is table or json, not '{format}'");
        UsageReport report;
        try
        {
            var period = UsagePeriod.Parse(values.GetValueOrDefault("start"), values.GetValueOrDefault("end"), clock.GetUtcNow());
            report = await usage.ReportAsync(project, period, cancellationToken);
        }
        catch (ApiFault fault)
        {
            await Console.Error.WriteLineAsync($"cloudbox admin usage: {fault.Message}");
            return 2;
        }
        if (format == "json")
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(report, UsageJsonContext.Default.UsageReport));
            return 0;
        }
        string[][] rows =
        [
            ["Field", "Value", "Unit"],
            ["project_id", report.ProjectId, ""],
            ["start", report.Start, ""],
            ["end", report.End, ""],
            ["vcpu_hours", Number(report.VcpuHours), "vCPU-hours allocated"],
            ["cpu_hours", Number(report.CpuHours), "CPU-hours used"],
            ["volume_gb_hours", Number(report.VolumeGbHours), "GiB-hours"],
            ["object_storage_gb_hours", Number(report.ObjectStorageGbHours), "GiB-hours"],
            ["image_gb_hours", Number(report.ImageGbHours), "GiB-hours"],
            ["network_incoming_bytes", report.NetworkIncomingBytes.ToString(CultureInfo.InvariantCulture), "bytes"],
            ["network_outgoing_bytes", report.NetworkOutgoingBytes.ToString(CultureInfo.InvariantCulture), "bytes"],
            ["resources", report.Resources.ToString(CultureInfo.InvariantCulture), ""],
            ["metrics", report.Metrics.ToString(CultureInfo.InvariantCulture), ""],
        ];
        await AdminTable.WriteAsync(output, rows);
        return 0;

        async Task<int> FailAsync(string message)
        {
            await Console.Error.WriteLineAsync($"cloudbox admin usage: {message}\nusage: cloudbox admin {Usage}");
            return 2;
        }
    }

    private static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
