using System.Collections.Concurrent;
using System.Threading.Channels;
using CloudBox.Compute.Drivers;

namespace CloudBox.Dashboard.Tests;

/// <summary>
/// A hypervisor for dashboard tests: VMs "run" in memory at once, and each one's serial port echoes what is typed
/// into it, as the echo guest of the VMM tests does, so the browser's console can be tested without KVM.
/// </summary>
public sealed class EchoDriver : IHypervisorDriver
{
    private readonly ConcurrentDictionary<string, int> _states = new();

    public string HypervisorType => "fake";

    public Task StartAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        _states[vm.ServerId] = PowerState.Running;
        return Task.CompletedTask;
    }

    public Task<int> GetPowerStateAsync(VmDefinition vm, CancellationToken cancellationToken) =>
        Task.FromResult(_states.GetValueOrDefault(vm.ServerId, PowerState.Shutdown));

    public Task StopAsync(VmDefinition vm, TimeSpan grace, CancellationToken cancellationToken)
    {
        _states[vm.ServerId] = PowerState.Shutdown;
        return Task.CompletedTask;
    }

    public Task RebootAsync(VmDefinition vm, bool hard, CancellationToken cancellationToken) => StartAsync(vm, cancellationToken);

    public Task PauseAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        _states[vm.ServerId] = PowerState.Paused;
        return Task.CompletedTask;
    }

    public Task ResumeAsync(VmDefinition vm, CancellationToken cancellationToken) => StartAsync(vm, cancellationToken);

    public Task DestroyAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        _states.TryRemove(vm.ServerId, out _);
        return Task.CompletedTask;
    }

    public Task<Stream?> OpenSerialAsync(VmDefinition vm, CancellationToken cancellationToken) =>
        Task.FromResult<Stream?>(_states.GetValueOrDefault(vm.ServerId) == PowerState.Running ? new EchoStream() : null);

    /// <summary>Reads return what was written, upper-cased, after a "guest: " banner on attach.</summary>
    private sealed class EchoStream : Stream
    {
        private readonly Channel<byte[]> _pending = Channel.CreateUnbounded<byte[]>();
        private byte[] _current = "guest: ready\r\n"u8.ToArray();
        private int _offset;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset >= _current.Length)
            {
                _current = await _pending.Reader.ReadAsync(cancellationToken);
                _offset = 0;
            }
            var n = Math.Min(buffer.Length, _current.Length - _offset);
            _current.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var echo = buffer.ToArray();
            for (var i = 0; i < echo.Length; i++) echo[i] = (byte)char.ToUpperInvariant((char)echo[i]);
            _pending.Writer.TryWrite(echo);
            return ValueTask.CompletedTask;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
