namespace CloudBox.Linux.IoUring;

/// <summary>
/// The kernel refused to create an io_uring instance: not built in (ENOSYS), disabled by the
/// kernel.io_uring_disabled sysctl or a seccomp filter (EPERM), or out of locked memory (ENOMEM).
/// Callers fall back to synchronous positional I/O.
/// </summary>
public sealed class IoUringUnavailableException(int errno, string reason)
    : Exception($"io_uring is unavailable: {reason} (errno {errno})")
{
    public int Errno { get; } = errno;
}
