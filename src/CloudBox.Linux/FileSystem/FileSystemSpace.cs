using System.ComponentModel;
using System.Runtime.InteropServices;

namespace CloudBox.Linux.FileSystem;

/// <summary>statvfs(3) of the file system holding a path: its size, free and available bytes (what df shows).</summary>
public static partial class FileSystemSpace
{
    /// <summary>The file system's bytes: total, free (root included) and available to unprivileged users.</summary>
    public readonly record struct Space(ulong TotalBytes, ulong FreeBytes, ulong AvailableBytes)
    {
        /// <summary>Bytes in use, df's "Used": total less free.</summary>
        public ulong UsedBytes => TotalBytes - FreeBytes;
    }

    /// <summary>Space of the file system holding <paramref name="path"/>; throws <see cref="Win32Exception"/> when statvfs fails (no such path…).</summary>
    public static Space Of(string path)
    {
        if (StatVfs(path, out var stat) != 0)
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"statvfs({path}) failed");
        var unit = stat.FragmentSize == 0 ? stat.BlockSize : stat.FragmentSize;
        return new Space(stat.Blocks * unit, stat.FreeBlocks * unit, stat.AvailableBlocks * unit);
    }

    /// <summary>glibc's struct statvfs on 64-bit Linux (x86-64, arm64): eleven unsigned longs and six spare ints.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct StatVfsBuffer
    {
        public ulong BlockSize;
        public ulong FragmentSize;
        public ulong Blocks;
        public ulong FreeBlocks;
        public ulong AvailableBlocks;
        public ulong Files;
        public ulong FreeFiles;
        public ulong AvailableFiles;
        public ulong FileSystemId;
        public ulong Flags;
        public ulong NameMax;
        public ulong Spare0;
        public ulong Spare1;
        public ulong Spare2;
    }

    [LibraryImport("libc", EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatVfs(string path, out StatVfsBuffer buffer);
}
