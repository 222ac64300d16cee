using System.Net.Sockets;
using CloudBox.Compute.Drivers;

namespace CloudBox.Compute.Tests;

/// <summary>
/// What a device request (hot-plug or unplug) reports for the ways a VMM can fail to answer: no socket means no VMM
/// (the callers take nothing as holding the disk or tap), but a VMM that takes the request and hangs up may still
/// hold the device, so that is an answer the callers refuse on (the volume stays in-use, the port stays attached).
/// </summary>
[TestFixture]
public sealed class VmmDeviceRequestTests
{
    [Test]
    public async Task No_socket_is_no_VMM_and_a_VMM_that_hangs_up_is_a_failure()
    {
        var directory = Directory.CreateTempSubdirectory("cloudbox-vmm-hangup-").FullName;
        try
        {
            var path = Path.Combine(directory, "api.sock");
            Assert.That(await VmmControlClient.RemoveDiskAsync(path, "vol-1", CancellationToken.None), Is.Null, "no socket: no VMM");

            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen();
            // Every connection (the client tries a request again on a fresh one) is read, then closed unanswered.
            var hangUp = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        using var connection = await listener.AcceptAsync();
                        await connection.ReceiveAsync(new byte[4096], SocketFlags.None);
                    }
                }
                catch (Exception error) when (error is SocketException or ObjectDisposedException)
                {
                    // the listener is closed: the test is over
                }
            });
            var disk = await VmmControlClient.RemoveDiskAsync(path, "vol-1", CancellationToken.None);
            var net = await VmmControlClient.RemoveNetAsync(path, "tap-1", CancellationToken.None);
            listener.Dispose();
            await hangUp;
            Assert.That(disk?.Status, Is.EqualTo(VmmControlClient.NoAnswer));
            Assert.That(disk?.Body, Does.Contain("hung up"));
            Assert.That(net?.Status, Is.EqualTo(VmmControlClient.NoAnswer));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
