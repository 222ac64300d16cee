using System.Runtime.InteropServices;

namespace CloudBox.Linux;

/// <summary>A failed system call: which call, on what, and the errno it returned.</summary>
public sealed class LinuxException : Exception
{
    public LinuxException(string operation, int errno)
        : base($"{operation}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
    {
        Operation = operation;
        Errno = errno;
    }

    public string Operation { get; }

    public int Errno { get; }

    /// <summary>Throws for the errno of the last P/Invoke call.</summary>
    public static LinuxException FromLastError(string operation) => new(operation, Marshal.GetLastPInvokeError());
}
