using System.Diagnostics;
using CloudBox.Telemetry.Collection;

namespace CloudBox.Telemetry.Tests.Collection;

/// <summary>The kernel's counters for a VMM process and a tap, read as the pollster reads them, against what .NET reports for the same process.</summary>
public class ProcessCounterTests
{
    [Test]
    public void ThisProcesssCpuAndResidentMemoryMatchWhatDotNetSees()
    {
        // Burn some CPU so the counter is well above a tick.
        var spin = Stopwatch.StartNew();
        while (spin.ElapsedMilliseconds < 200)
            Thread.SpinWait(1000);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = ProcessCounters.CpuNanoseconds(Environment.ProcessId);
        Assert.That(cpu, Is.Not.Null);
        // /proc counts in 10 ms ticks; .NET reads the same counters.
        Assert.That(cpu!.Value / 1e6, Is.EqualTo(process.TotalProcessorTime.TotalMilliseconds).Within(100));
        var rss = ProcessCounters.ResidentMegabytes(Environment.ProcessId);
        Assert.That(rss, Is.Not.Null);
        Assert.That(rss!.Value, Is.EqualTo(process.WorkingSet64 / 1048576.0).Within(process.WorkingSet64 / 1048576.0 * 0.2));
    }

    [Test]
    public void AGoneProcessAndAMissingTapReadAsNull()
    {
        Assert.That(ProcessCounters.CpuNanoseconds(int.MaxValue), Is.Null);
        Assert.That(ProcessCounters.ResidentMegabytes(int.MaxValue), Is.Null);
        Assert.That(ProcessCounters.Tap("no-such-tap0", "rx_bytes"), Is.Null);
        var loopback = long.Parse(File.ReadAllText("/sys/class/net/lo/statistics/rx_bytes").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(ProcessCounters.Tap("lo", "rx_bytes"), Is.GreaterThanOrEqualTo(loopback));
    }

    [Test]
    public void OneReadOfProcNetDevGivesTheWantedInterfacesCountersAsSysfsHasThem()
    {
        var before = long.Parse(File.ReadAllText("/sys/class/net/lo/statistics/tx_packets").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var counters = InterfaceCounters.Read(new HashSet<string> { "lo", "no-such-tap0" });
        var after = long.Parse(File.ReadAllText("/sys/class/net/lo/statistics/tx_packets").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Multiple(() =>
        {
            Assert.That(counters.TryGet("no-such-tap0", out _), Is.False, "an interface not in this namespace has no counters");
            Assert.That(counters.TryGet("lo", out var lo), Is.True);
            Assert.That(lo.TxPackets, Is.InRange(before, after));
            Assert.That(lo.RxBytes, Is.GreaterThan(0));
            Assert.That(counters.TryGet("eth-not-asked", out _), Is.False, "interfaces not asked for are skipped");
        });
    }
}
