using System.Net.Sockets;
using System.Text;
using CloudBox.Core.Data;
using CloudBox.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudBox.Core.Tests.Hosting;

/// <summary>The watchdog pings systemd's notify socket (a real unix datagram socket here) while the database answers.</summary>
[TestFixture]
[NonParallelizable]
public sealed class SystemdWatchdogTests
{
    [Test]
    public async Task Serve_pings_the_watchdog_at_half_the_interval_systemd_asked_for()
    {
        var directory = Directory.CreateTempSubdirectory("cloudbox-watchdog-").FullName;
        var socketPath = Path.Combine(directory, "notify");
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint(socketPath));
        string?[] saved = [Environment.GetEnvironmentVariable("NOTIFY_SOCKET"), Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID")];
        try
        {
            Environment.SetEnvironmentVariable("NOTIFY_SOCKET", socketPath);
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", "400000");
            Environment.SetEnvironmentVariable("WATCHDOG_PID", Environment.ProcessId.ToString());
            Assert.That(SystemdWatchdog.Interval(), Is.EqualTo(TimeSpan.FromMilliseconds(200)));
            await using var database = Database.OpenSqlite(directory);
            using var watchdog = new SystemdWatchdog(database, NullLogger<SystemdWatchdog>.Instance, new SystemdNotifier());

            await watchdog.StartAsync(CancellationToken.None);
            var buffer = new byte[64];
            var pings = 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (pings < 3)
            {
                var received = await systemd.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                Assert.That(Encoding.ASCII.GetString(buffer, 0, received), Is.EqualTo("WATCHDOG=1"));
                pings++;
            }
            await watchdog.StopAsync(CancellationToken.None);

            Environment.SetEnvironmentVariable("WATCHDOG_PID", "1");
            Assert.That(SystemdWatchdog.Interval(), Is.Null, "pings asked of another process are not this one's to send");
        }
        finally
        {
            Environment.SetEnvironmentVariable("NOTIFY_SOCKET", saved[0]);
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", saved[1]);
            Environment.SetEnvironmentVariable("WATCHDOG_PID", saved[2]);
            Directory.Delete(directory, recursive: true);
        }
    }
}
