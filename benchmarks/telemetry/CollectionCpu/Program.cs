using System.Diagnostics;
using System.Globalization;
using CloudBox.Core.Data;
using CloudBox.Telemetry.Collection;
using CloudBox.Telemetry.Storage;
using CloudBox.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudBox.Telemetry.Benchmarks;

/// <summary>
/// Collection CPU for simulated VMs: a real serve (SQLite, Telemetry) with its own pollsters idle,
/// and a VmPollster over <see cref="SimulatedVms"/> polled once per round. Per round it reports
/// the process CPU time of the poll (reading the counters, resolving the resources, queueing the
/// measures) and of the poll plus aggregating what it queued, and the wall time of the poll.
/// Usage: <c>dotnet run -c Release --project benchmarks/telemetry/CollectionCpu -- [vms=100] [rounds=30] [archive-policy=high]</c>.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var vms = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
        var policy = args.Length > 2 ? args[2] : new TelemetrySettings().CollectorArchivePolicy;
        var interval = TimeSpan.FromSeconds(10);
        // The cloud's own pollsters and evaluator wait an hour: only the benchmark's polls run.
        var settings = new TelemetrySettings { PollInterval = TimeSpan.FromHours(1), EvaluationInterval = TimeSpan.FromHours(1), CollectorArchivePolicy = policy };
        await using var cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, new TelemetryModule(settings));
        var services = cloud.Services;
        var measures = services.GetRequiredService<MeasureService>();
        var pollster = new VmPollster(new SimulatedVms(vms), services.GetRequiredService<CollectorResources>(), measures, settings, TimeProvider.System,
            NullLogger<VmPollster>.Instance);

        // Warm-up: the first polls create every instance, disk and interface resource and JIT the path.
        for (var i = 0; i < 3; i++)
        {
            await pollster.PollAsync(CancellationToken.None);
            await measures.RefreshAsync(CancellationToken.None);
        }
        await Task.Delay(1000);

        var process = Process.GetCurrentProcess();
        var pollCpu = new List<double>();
        var totalCpu = new List<double>();
        var pollWall = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            await pollster.PollAsync(CancellationToken.None);
            wall.Stop();
            process.Refresh();
            var cpu1 = process.TotalProcessorTime;
            await measures.RefreshAsync(CancellationToken.None);
            process.Refresh();
            var cpu2 = process.TotalProcessorTime;
            pollCpu.Add((cpu1 - cpu0).TotalMilliseconds);
            totalCpu.Add((cpu2 - cpu0).TotalMilliseconds);
            pollWall.Add(wall.Elapsed.TotalMilliseconds);
            // Let the host settle between rounds, as between intervals.
            await Task.Delay(200);
        }

        // An idle stretch of the same serve, to show what it burns with no poll at all.
        process.Refresh();
        var idle0 = process.TotalProcessorTime;
        await Task.Delay(TimeSpan.FromSeconds(5));
        process.Refresh();
        var idlePerInterval = (process.TotalProcessorTime - idle0).TotalMilliseconds * interval.TotalSeconds / 5;

        static string Stats(List<double> values)
        {
            var sorted = values.Order().ToList();
            return string.Create(CultureInfo.InvariantCulture,
                $"median {sorted[sorted.Count / 2]:F1} ms, mean {values.Average():F1} ms, max {sorted[^1]:F1} ms");
        }
        var median = totalCpu.Order().ToList()[totalCpu.Count / 2];
        var share = median / interval.TotalMilliseconds * 100;
        var goal = 1.0 * vms / 1000; // 1 % of a core for 1,000 VMs, scaled to this many
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{vms} simulated VMs, {rounds} polls, archive policy {policy}, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        Console.WriteLine($"poll CPU (read counters, resolve resources, queue measures): {Stats(pollCpu)}");
        Console.WriteLine($"poll + aggregation CPU:                                     {Stats(totalCpu)}");
        Console.WriteLine($"poll wall time:                                             {Stats(pollWall)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle serve, CPU per 10 s with no poll: {idlePerInterval:F1} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"per 10 s interval: {share:F3} % of one core (median poll + aggregation); goal scaled to {vms} VMs: {goal:F3} %; ratio {share / goal:F2}"));
        return 0;
    }
}
