using Tmds.DBus;

namespace CloudBox.Compute.Drivers;

/// <summary>
/// The part of systemd's <c>org.freedesktop.systemd1.Manager</c> (object <c>/org/freedesktop/systemd1</c>
/// on the system bus) that supervises VMs. Tmds.DBus generates the proxy from these signatures,
/// so each parameter's type is its D-Bus type: properties are <c>a(sv)</c>.
/// </summary>
[DBusInterface("org.freedesktop.systemd1.Manager")]
public interface ISystemdManager : IDBusObject
{
    /// <summary>Asks for the job signals (JobRemoved); without it systemd sends none.</summary>
    Task SubscribeAsync();

    /// <summary>Creates and starts a unit that exists only while it runs; returns its job.</summary>
    Task<ObjectPath> StartTransientUnitAsync(string name, string mode, (string, object)[] properties, (string, (string, object)[])[] aux);

    Task<ObjectPath> StopUnitAsync(string name, string mode);

    Task KillUnitAsync(string name, string whom, int signal);

    Task ResetFailedUnitAsync(string name);

    Task<ObjectPath> GetUnitAsync(string name);

    /// <summary>A job finished: its id, path, unit and result (<c>done</c>, <c>failed</c>, <c>timeout</c>, …).</summary>
    Task<IDisposable> WatchJobRemovedAsync(Action<(uint id, ObjectPath job, string unit, string result)> handler, Action<Exception>? onError = null);
}
