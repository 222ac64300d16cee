namespace CloudBox.BlockEngine;

/// <summary>
/// Write-through by group commit: a durable write goes to the kernel as a plain write, and its completion is held
/// until an fdatasync issued after it completed has finished; every write that completes while one sync runs rides
/// on the next. With many writes in flight one sync makes a whole group durable, where RWF_DSYNC on each write made
/// the file system commit once per write. Also the queue's hand-out buffer: completions ready for the caller, in
/// the order they became ready. Fixed arrays sized by the queue's depth: nothing is allocated per request.
/// </summary>
internal sealed class DurableWriteGroup
{
    private readonly bool[] _durable;        // per slot: a durable write is in it (cleared when it is ready, so a free slot is never marked)
    private readonly int[] _writeResults;    // per slot: what the write returned, while its completion is held
    private readonly int[] _waiting;         // slots whose writes completed since the last sync was issued
    private readonly int[] _syncing;         // slots the sync in flight covers
    private readonly (int Slot, int Result)[] _ready;
    private int _waitingCount, _syncingCount, _readyHead, _readyCount;

    public DurableWriteGroup(int depth)
    {
        _durable = new bool[depth];
        _writeResults = new int[depth];
        _waiting = new int[depth];
        _syncing = new int[depth];
        _ready = new (int, int)[depth];
    }

    private bool _syncInFlight;

    /// <summary>Completions held for a sync (waiting for one to be issued or for the one in flight).</summary>
    public int Held => _waitingCount + _syncingCount;

    /// <summary>True when a sync should be issued now: writes wait and none is running.</summary>
    public bool SyncDue => !_syncInFlight && _waitingCount > 0;

    /// <summary>The request just queued in <paramref name="slot"/> is a durable write: its completion waits for a sync.</summary>
    public void MarkDurable(int slot) => _durable[slot] = true;

    /// <summary>A request's completion from the kernel: ready at once, or held when it is a durable write that succeeded.</summary>
    public void Completed(int slot, int result)
    {
        if (_durable[slot] && result >= 0)
        {
            _writeResults[slot] = result;
            _waiting[_waitingCount++] = slot;
            return;
        }
        Ready(slot, result);
    }

    /// <summary>The caller issued a sync: it covers every write that has completed so far.</summary>
    public void SyncIssued()
    {
        Array.Copy(_waiting, _syncing, _waitingCount);
        _syncingCount = _waitingCount;
        _waitingCount = 0;
        _syncInFlight = true;
    }

    /// <summary>The sync finished: its writes are ready, each failing with the sync's error if it failed.</summary>
    public void SyncCompleted(int result)
    {
        for (var i = 0; i < _syncingCount; i++)
        {
            var slot = _syncing[i];
            Ready(slot, result < 0 ? result : _writeResults[slot]);
        }
        _syncingCount = 0;
        _syncInFlight = false;
    }

    /// <summary>Takes the oldest ready completion; false when none is.</summary>
    public bool TryTakeReady(out int slot, out int result)
    {
        if (_readyCount == 0)
        {
            (slot, result) = (-1, 0);
            return false;
        }
        (slot, result) = _ready[_readyHead];
        _readyHead = (_readyHead + 1) % _ready.Length;
        _readyCount--;
        return true;
    }

    private void Ready(int slot, int result)
    {
        _durable[slot] = false;
        _ready[(_readyHead + _readyCount) % _ready.Length] = (slot, result);
        _readyCount++;
    }
}
