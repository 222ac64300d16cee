using CloudBox.Linux.Netlink;

namespace CloudBox.Networking.DataPlane;

/// <summary>
/// The host's links as one dump at the start of a pass found them, so the pass never asks the
/// kernel about links one by one; a link the pass creates is looked up once with <see cref="Refresh"/>.
/// </summary>
internal sealed class HostLinks
{
    private readonly RouteNetlink _host;
    private readonly Dictionary<string, LinkInfo> _byName;

    public HostLinks(RouteNetlink host)
    {
        _host = host;
        AtStart = host.Links();
        _byName = AtStart.ToDictionary(l => l.Name);
    }

    public IReadOnlyList<LinkInfo> AtStart { get; }

    /// <summary>The link as the dump (or a later <see cref="Refresh"/>) saw it, or null.</summary>
    public LinkInfo? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Looks <paramref name="name"/> up again after the pass changed it.</summary>
    public LinkInfo? Refresh(string name)
    {
        var link = _host.Find(name);
        if (link is null)
            _byName.Remove(name);
        else
            _byName[name] = link;
        return link;
    }

    public int IndexOf(string name) =>
        (Find(name) ?? Refresh(name))?.Index ?? throw new CloudBox.Linux.LinuxException($"no link {name}", NetlinkErrno.ENODEV);
}
