using Microsoft.Extensions.Logging;

namespace CloudBox.Networking.RouterAdvertisements;

/// <summary>One advertiser per router leg with an IPv6 subnet in a router-advertisement mode, kept in step with the database by the data plane.</summary>
public sealed class RouterAdvertisementService(NetworkSettings settings, ILoggerFactory loggers) : IDisposable
{
    private readonly Dictionary<(string Namespace, string Leg), RouterAdvertiser> _advertisers = [];
    private readonly Lock _gate = new();

    /// <summary>Starts, updates and stops advertisers so exactly the legs in <paramref name="wanted"/> advertise what it says.</summary>
    public void Apply(IReadOnlyDictionary<(string Namespace, string Leg), RouterAdvertisement> wanted)
    {
        lock (_gate)
        {
            foreach (var key in _advertisers.Keys.Where(k => !wanted.ContainsKey(k)).ToList())
            {
                _advertisers[key].Dispose();
                _advertisers.Remove(key);
            }
            foreach (var (key, advertisement) in wanted)
            {
                if (_advertisers.TryGetValue(key, out var advertiser))
                    advertiser.Update(advertisement);
                else
                    _advertisers[key] = new RouterAdvertiser(key.Namespace, key.Leg, advertisement, settings.RouterAdvertisementInterval,
                        loggers.CreateLogger<RouterAdvertiser>());
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var advertiser in _advertisers.Values)
                advertiser.Dispose();
            _advertisers.Clear();
        }
    }
}
