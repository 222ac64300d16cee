namespace CloudBox.Linux;

/// <summary>The errno values callers branch on.</summary>
public static class Errno
{
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int EOPNOTSUPP = 95;
    public const int EPERM = 1;
    public const int EACCES = 13;
    public const int EIO = 5;
    public const int EBADF = 9;
    public const int ENOMEM = 12;
    public const int EBUSY = 16;
    public const int EINVAL = 22;
    public const int ENOSYS = 38;
}
