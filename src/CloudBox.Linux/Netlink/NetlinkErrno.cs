namespace CloudBox.Linux.Netlink;

/// <summary>The errno values netlink callers branch on ("already there", "not there").</summary>
public static class NetlinkErrno
{
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EADDRNOTAVAIL = 99;
}
