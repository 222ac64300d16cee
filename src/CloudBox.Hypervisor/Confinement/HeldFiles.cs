using CloudBox.BlockEngine;
using CloudBox.Linux;
using CloudBox.Linux.Confinement;
using CloudBox.Linux.Kvm;
using CloudBox.Linux.Tun;

namespace CloudBox.Hypervisor.Confinement;

/// <summary>
/// The disk files, taps and initrd a confined VMM holds for its whole life. Once it has dropped its privileges it can
/// open none of them again (the files are root's, a tap needs CAP_NET_ADMIN in the data plane's namespace), yet a
/// reboot builds a new machine that needs them all: each device gets a duplicate of the held descriptor. Disks and
/// NICs hot-plugged later arrive as descriptors over the control socket (opened by Compute, SCM_RIGHTS) and are held
/// the same way. Until <see cref="Holding"/> is set (an unconfined VMM) everything is opened by name as before.
/// </summary>
internal static class HeldFiles
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<(string Path, bool ReadOnly), FileDescriptor> Disks = [];
    private static readonly Dictionary<string, FileDescriptor> Taps = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, FileDescriptor> Plain = new(StringComparer.Ordinal);

    /// <summary>Set by the jail before the first open: every file opened from then on is also held.</summary>
    public static bool Holding { get; set; }

    public static BlockFile OpenDisk(string path, bool readOnly)
    {
        lock (Gate)
        {
            if (Disks.TryGetValue((path, readOnly), out var held)) return BlockFile.FromDescriptor(FileDescriptors.Duplicate(held.Value), readOnly);
        }
        var file = BlockFile.Open(path, readOnly, directIo: false);
        if (Holding)
            lock (Gate) Disks.TryAdd((path, readOnly), FileDescriptors.Duplicate(file.Fd));
        return file;
    }

    /// <summary>A tap: the held one's duplicate, else <paramref name="open"/> (which attaches it in the right namespace).</summary>
    public static TapDevice OpenTap(string name, int vnetHeaderSize, Func<TapDevice> open)
    {
        lock (Gate)
        {
            if (Taps.TryGetValue(name, out var held)) return TapDevice.FromDescriptor(FileDescriptors.Duplicate(held.Value), name);
        }
        var tap = open();
        if (Holding)
            lock (Gate) Taps.TryAdd(name, FileDescriptors.Duplicate(tap.Fd));
        return tap;
    }

    /// <summary>/dev/kvm: a duplicate of the held descriptor, else opened (and held when holding).</summary>
    public static KvmSystem OpenKvm()
    {
        lock (Gate)
        {
            if (Plain.TryGetValue(KvmSystem.DevicePath, out var held)) return KvmSystem.FromDescriptor(FileDescriptors.Duplicate(held.Value));
        }
        var kvm = KvmSystem.Open();
        if (Holding)
            lock (Gate) Plain.TryAdd(KvmSystem.DevicePath, FileDescriptors.Duplicate(kvm.Fd));
        return kvm;
    }

    /// <summary>A read-only file (the initrd, read again at every boot).</summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle OpenRead(string path)
    {
        lock (Gate)
        {
            if (Plain.TryGetValue(path, out var held))
            {
                var copy = FileDescriptors.Duplicate(held.Value);
                var raw = copy.DangerousGetHandle();
                copy.SetHandleAsInvalid(); // the SafeFileHandle owns it now
                return new Microsoft.Win32.SafeHandles.SafeFileHandle(raw, ownsHandle: true);
            }
        }
        var handle = File.OpenHandle(path);
        if (Holding)
            lock (Gate) Plain.TryAdd(path, FileDescriptors.Duplicate((int)handle.DangerousGetHandle()));
        return handle;
    }

    /// <summary>A disk file Compute opened and passed over the control socket: held for <paramref name="path"/> from now on.</summary>
    public static void OfferDisk(string path, bool readOnly, FileDescriptor descriptor)
    {
        lock (Gate)
        {
            if (Disks.Remove((path, readOnly), out var old)) old.Dispose();
            Disks[(path, readOnly)] = descriptor;
        }
    }

    /// <summary>Lets go of an unplugged disk's file, so the VMM no longer holds a volume that may go to another server.</summary>
    public static void ReleaseDisk(string path, bool readOnly)
    {
        lock (Gate)
            if (Disks.Remove((path, readOnly), out var held)) held.Dispose();
    }

    /// <summary>Lets go of an unplugged NIC's tap.</summary>
    public static void ReleaseTap(string name)
    {
        lock (Gate)
            if (Taps.Remove(name, out var held)) held.Dispose();
    }

    /// <summary>A tap Compute attached (in the data plane's namespace) and passed over the control socket.</summary>
    public static void OfferTap(string name, FileDescriptor descriptor)
    {
        lock (Gate)
        {
            if (Taps.Remove(name, out var old)) old.Dispose();
            Taps[name] = descriptor;
        }
    }
}
