using CloudBox.Linux.Kvm;

namespace CloudBox.Hypervisor.Kvm;

/// <summary>
/// Owns the GSIs above the IOAPIC pins and the KVM routing table that maps each to an MSI message. MSI-X table
/// writes are rare (driver setup), so each change rewrites the whole table. GSIs of unplugged devices are reused.
/// </summary>
public sealed class MsiRouter(KvmVm vm)
{
    private const uint FirstGsi = 24;
    private readonly object _gate = new();
    private readonly List<KvmMsiRoute> _routes = [];
    private readonly Stack<uint> _free = new();
    private uint _nextGsi = FirstGsi;

    public uint AllocateGsi()
    {
        lock (_gate) return _free.Count > 0 ? _free.Pop() : _nextGsi++;
    }

    /// <summary>Removes the GSI's route and makes it available again (its irqfd must be deassigned first).</summary>
    public void ReleaseGsi(uint gsi)
    {
        lock (_gate)
        {
            Route(gsi, 0, 0, 0, enabled: false);
            _free.Push(gsi);
        }
    }

    /// <summary>Points a GSI at an MSI message, or removes its route when <paramref name="enabled"/> is false.</summary>
    public void Route(uint gsi, uint addressLow, uint addressHigh, uint data, bool enabled)
    {
        lock (_gate)
        {
            var index = _routes.FindIndex(r => r.Gsi == gsi);
            var route = new KvmMsiRoute(gsi, addressLow, addressHigh, data);
            if (enabled)
            {
                if (index >= 0 && _routes[index] == route) return;
                if (index >= 0) _routes[index] = route; else _routes.Add(route);
            }
            else
            {
                if (index < 0) return;
                _routes.RemoveAt(index);
            }
            vm.SetGsiRouting(_routes.ToArray());
        }
    }

    /// <summary>Installs the default legacy routes (called once, before any MSI route exists).</summary>
    public void Initialize()
    {
        lock (_gate) vm.SetGsiRouting([]);
    }
}
