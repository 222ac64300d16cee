using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Events;

/// <summary>An epoll instance: device threads wait on queue notifications and tap readiness here.</summary>
public sealed unsafe class Epoll : IDisposable
{
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Error = 0x008;
    public const uint HangUp = 0x010;

    private const int CtlAdd = 1;
    private const int CtlDel = 2;
    private const int CtlMod = 3;
    private const int CloseOnExec = 0x80000;

    private readonly FileDescriptor _handle;
    private readonly Libc.EpollEvent* _events;
    private readonly int _capacity;

    public Epoll(int capacity = 32)
    {
        _handle = FileDescriptor.Check(Libc.EpollCreate1(CloseOnExec), "epoll_create1");
        _capacity = capacity;
        _events = (Libc.EpollEvent*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)(capacity * sizeof(Libc.EpollEvent)));
    }

    public void Add(int fd, uint events, ulong token) => Control(CtlAdd, fd, events, token, "epoll_ctl add");

    public void Modify(int fd, uint events, ulong token) => Control(CtlMod, fd, events, token, "epoll_ctl mod");

    public void Remove(int fd) => Control(CtlDel, fd, 0, 0, "epoll_ctl del");

    /// <summary>Waits for readiness; returns how many events are ready (0 on timeout or signal). Read them with <see cref="TokenAt"/>.</summary>
    public int Wait(int timeoutMilliseconds)
    {
        var n = Libc.EpollWait(_handle.Value, _events, _capacity, timeoutMilliseconds);
        if (n >= 0) return n;
        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == Errno.EINTR) return 0;
        throw new LinuxException("epoll_wait", errno);
    }

    public ulong TokenAt(int index) => _events[index].Data;

    public uint EventsAt(int index) => _events[index].Events;

    private void Control(int op, int fd, uint events, ulong token, string what)
    {
        var ev = new Libc.EpollEvent { Events = events, Data = token };
        if (Libc.EpollCtl(_handle.Value, op, fd, &ev) != 0) throw LinuxException.FromLastError(what);
    }

    public void Dispose()
    {
        _handle.Dispose();
        System.Runtime.InteropServices.NativeMemory.Free(_events);
    }
}
