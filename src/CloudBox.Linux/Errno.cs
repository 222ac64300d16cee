namespace CloudBox.Linux;

/// <summary>The errno values callers branch on.</summary>
public static class Errno
{
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int EOPNOTSUPP = 95;
}
