using CloudBox.Core.Api;

namespace CloudBox.Identity.Passwords;

/// <summary>
/// Bounds the PBKDF2 work requests may start at once. A hash takes a core for a noticeable time, so
/// a flood of wrong passwords would otherwise take every core from every other request: at most
/// <see cref="Concurrency"/> hashes run (one core is always left to the rest of the cloud), at most
/// <see cref="MaxQueue"/> more wait, each no longer than <see cref="MaxWait"/>; past that the
/// request is answered 429 with <c>Retry-After</c>, Keystone's fault body, and no hashing at all.
/// </summary>
public sealed class PasswordGate
{
    private readonly SemaphoreSlim _slots;
    private int _waiting;

    public PasswordGate(int? concurrency = null, int? maxQueue = null, TimeSpan? maxWait = null)
    {
        Concurrency = concurrency ?? Math.Max(1, Environment.ProcessorCount - 1);
        MaxQueue = maxQueue ?? 16 * Concurrency;
        MaxWait = maxWait ?? TimeSpan.FromSeconds(5);
        _slots = new SemaphoreSlim(Concurrency, Concurrency);
    }

    public int Concurrency { get; }
    public int MaxQueue { get; }
    public TimeSpan MaxWait { get; }

    /// <summary>Runs <paramref name="work"/> (a hash or a verification) when a slot is free; 429 when the queue is full or the wait too long.</summary>
    public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _waiting) > MaxQueue + Concurrency)
        {
            Interlocked.Decrement(ref _waiting);
            throw Busy();
        }
        bool entered;
        try
        {
            entered = await _slots.WaitAsync(MaxWait, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
        if (!entered)
            throw Busy();
        try
        {
            return work();
        }
        finally
        {
            _slots.Release();
        }
    }

    private static ApiFault Busy()
    {
        var fault = new ApiFault(429, "Too many password checks are in progress; try again later.", "Too Many Requests");
        fault.Headers["Retry-After"] = "1";
        return fault;
    }
}
