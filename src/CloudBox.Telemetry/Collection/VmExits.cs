namespace CloudBox.Telemetry.Collection;

/// <summary>
/// CloudBox's own per-instance meters of VM exits (cumulative since the VMM started): port I/O,
/// MMIO and HLT exits, which say what a guest costs its host, and every other reason together.
/// </summary>
internal static class VmExits
{
    public const string Io = "cloudbox.vm.exits.io";
    public const string Mmio = "cloudbox.vm.exits.mmio";
    public const string Hlt = "cloudbox.vm.exits.hlt";
    public const string Other = "cloudbox.vm.exits.other";

    /// <summary>The VMM's exits by KVM reason name (<c>Io</c>, <c>Mmio</c>, <c>Hlt</c>…) folded into the four meters.</summary>
    public static (long Io, long Mmio, long Hlt, long Other) Split(IReadOnlyDictionary<string, long> byReason)
    {
        long io = 0, mmio = 0, hlt = 0, other = 0;
        foreach (var (reason, count) in byReason)
        {
            switch (reason)
            {
                case "Io":
                    io += count;
                    break;
                case "Mmio":
                    mmio += count;
                    break;
                case "Hlt":
                    hlt += count;
                    break;
                default:
                    other += count;
                    break;
            }
        }
        return (io, mmio, hlt, other);
    }
}
