namespace CloudBox.Linux.Files;

/// <summary>open(2) flags used by CloudBox.</summary>
[Flags]
public enum OpenFlags
{
    ReadOnly = 0,
    WriteOnly = 1,
    ReadWrite = 2,
    Create = 0x40,
    NonBlocking = 0x800,
    /// <summary>O_DIRECT: bypass the page cache; buffers, offsets and lengths must be aligned to the logical block size.</summary>
    Direct = 0x4000,
    CloseOnExec = 0x80000,
}
