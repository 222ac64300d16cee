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
/// and a VmPollster over <see cref="SimulatedVms"/> polled once per simulated 10 s interval (a clock
/// moved 10 s per poll, so measures land in buckets as real intervals would). Every
/// <c>polls-per-pass</c> polls the queued polls are aggregated in one processing pass, as serve's
/// processor does once per processing delay (6 polls of 10 s by default; 1 = aggregate after every
/// poll, as before the delay existed). It reports the process CPU time of the polls (reading the
/// counters, resolving the resources, queueing the measures), of the processing passes, and of both
/// per interval, and the projected share of one core for 1,000 VMs.
/// Usage: <c>dotnet run -c Release --project benchmarks/telemetry/CollectionCpu -- [vms=100] [intervals=36] [archive-policy=high] [polls-per-pass=6]</c>.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var vms = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 36;
        var policy = args.Length > 2 ? args[2] : new TelemetrySettings().CollectorArchivePolicy;
        var pollsPerPass = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 6;
        var interval = TimeSpan.FromSeconds(10);
        // The cloud's own pollsters and evaluator wait an hour: only the benchmark's polls run.
        var settings = new TelemetrySettings { PollInterval = TimeSpan.FromHours(1), EvaluationInterval = TimeSpan.FromHours(1), CollectorArchivePolicy = policy };
        await using var cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, new TelemetryModule(settings));
        var services = cloud.Services;
        var measures = services.GetRequiredService<MeasureService>();
        var clock = new ManualClock(new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero));
        var pollster = new VmPollster(new SimulatedVms(vms), services.GetRequiredService<CollectorResources>(), measures, settings, clock,
            NullLogger<VmPollster>.Instance);

        // Warm-up: the first polls create every instance, disk and interface resource and JIT the path.
        for (var i = 0; i < 2 * pollsPerPass; i++)
        {
            await pollster.PollAsync(CancellationToken.None);
            clock.Advance(interval);
            if ((i + 1) % pollsPerPass == 0)
                await measures.RefreshAsync(CancellationToken.None);
        }
        await measures.RefreshAsync(CancellationToken.None);
        await Task.Delay(1000);

        var process = Process.GetCurrentProcess();
        var pollCpu = new List<double>();
        var passCpu = new List<double>();
        var pollWall = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            await pollster.PollAsync(CancellationToken.None);
            wall.Stop();
            process.Refresh();
            pollCpu.Add((process.TotalProcessorTime - cpu0).TotalMilliseconds);
            pollWall.Add(wall.Elapsed.TotalMilliseconds);
            clock.Advance(interval);
            if ((round + 1) % pollsPerPass == 0 || round == rounds - 1)
            {
                var cpu1 = process.TotalProcessorTime;
                await measures.RefreshAsync(CancellationToken.None);
                process.Refresh();
                passCpu.Add((process.TotalProcessorTime - cpu1).TotalMilliseconds);
            }
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
        var perInterval = (pollCpu.Sum() + passCpu.Sum()) / rounds;
        var updates = (double)rounds * vms * SimulatedVms.MetricsPerVm;
        var share = perInterval / interval.TotalMilliseconds * 100;
        var goal = 1.0 * vms / 1000; // 1 % of a core for 1,000 VMs, scaled to this many
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{vms} simulated VMs, {rounds} polls 10 s apart, archive policy {policy}, {pollsPerPass} polls per processing pass, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        Console.WriteLine($"poll CPU (read counters, resolve resources, queue measures): {Stats(pollCpu)}");
        Console.WriteLine($"processing pass CPU ({passCpu.Count} passes):                  {Stats(passCpu)}");
        Console.WriteLine($"poll wall time:                                             {Stats(pollWall)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle serve, CPU per 10 s with no poll: {idlePerInterval:F1} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"per 10 s interval (polls + passes, mean): {perInterval:F1} ms CPU; {(pollCpu.Sum() + passCpu.Sum()) * 1000 / updates:F1} us per metric update ({vms * SimulatedVms.MetricsPerVm} metrics a poll)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"share of one core: {share:F3} % for {vms} VMs, projected {share * 1000 / vms:F2} % for 1,000 VMs; goal scaled to {vms} VMs: {goal:F3} %; ratio {share / goal:F2}"));
        return 0;
    }
}
