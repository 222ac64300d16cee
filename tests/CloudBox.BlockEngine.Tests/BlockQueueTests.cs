using CloudBox.Linux;
using CloudBox.Linux.Files;

namespace CloudBox.BlockEngine.Tests;

/// <summary>Both engines on real files: the io_uring queue and the synchronous fallback must behave alike.</summary>
[TestFixture(true)]
[TestFixture(false)]
public sealed unsafe class BlockQueueTests(bool ioUring)
{
    private const int Block = 4096;
    private ScratchFile _scratch = null!;
    private BlockFile _file = null!;
    private IBlockQueue _queue = null!;
    private readonly BlockCompletion[] _completions = new BlockCompletion[256];

    [SetUp]
    public void Open()
    {
        _scratch = new ScratchFile(16L << 20);
        _file = BlockFile.Open(_scratch.Path, readOnly: false, directIo: false);
        _queue = BlockQueues.Open(_file, new BlockQueueOptions { Depth = 64, ForceSynchronous = !ioUring }, out var reason);
        if (ioUring && !_queue.UsesIoUring) Assert.Ignore($"io_uring engine not tested: {reason}");
        Assert.That(_queue.UsesIoUring, Is.EqualTo(ioUring));
    }

    [TearDown]
    public void Close()
    {
        _queue.Dispose();
        _file.Dispose();
        _scratch.Dispose();
    }

    [Test]
    public void A_written_block_reads_back_into_another_buffer()
    {
        using var source = new AlignedBuffer(Block);
        using var target = new AlignedBuffer(Block);
        Random.Shared.NextBytes(source.Span);

        Assert.That(_queue.TryWrite(8 * Block, source.Pointer, Block, tag: 7), Is.True);
        var done = WaitOne();
        Assert.That(done, Is.EqualTo(new BlockCompletion(7, Block)));
        Assert.That(_queue.TryRead(8 * Block, target.Pointer, Block, tag: 8), Is.True);
        Assert.That(WaitOne(), Is.EqualTo(new BlockCompletion(8, Block)));

        Assert.That(target.Span.SequenceEqual(source.Span), Is.True);
        var onDisk = File.ReadAllBytes(_scratch.Path).AsSpan(8 * Block, Block);
        Assert.That(onDisk.SequenceEqual(source.Span), Is.True, "the write reached the file itself");
    }

    [Test]
    public void Many_requests_in_one_batch_all_complete_with_their_own_tags()
    {
        const int count = 64;
        using var data = new AlignedBuffer(count * Block);
        for (var i = 0; i < count; i++) data.Span.Slice(i * Block, Block).Fill((byte)(i + 1));
        var entersBefore = EnterCalls;

        for (var i = 0; i < count; i++)
            Assert.That(_queue.TryWrite((long)(count - 1 - i) * Block, data.At(i * Block), Block, (ulong)(1000 + i)), Is.True);
        Assert.That(_queue.TryWrite(0, data.Pointer, Block, 9999), Is.False, "every slot is taken");
        _queue.Submit();
        if (ioUring) Assert.That(EnterCalls - entersBefore, Is.EqualTo(1), "one io_uring_enter for the whole batch");

        var tags = ReapAll(count).Select(c => { Assert.That(c.Result, Is.EqualTo(Block)); return c.Tag; });
        Assert.That(tags, Is.EquivalentTo(Enumerable.Range(1000, count).Select(i => (ulong)i)));

        var file = File.ReadAllBytes(_scratch.Path);
        for (var i = 0; i < count; i++)
            Assert.That(file[(count - 1 - i) * Block], Is.EqualTo((byte)(i + 1)), $"block written by request {i}");
    }

    [Test]
    public void Vectored_write_and_read_scatter_across_buffers()
    {
        using var a = new AlignedBuffer(Block);
        using var b = new AlignedBuffer(2 * Block);
        a.Span.Fill(0xAA);
        b.Span.Fill(0xBB);
        Span<IoVector> segments = [new(a.Pointer, Block), new(b.Pointer, 2 * Block)];
        Assert.That(_queue.TryWriteVector(Block, segments, 1), Is.True);
        Assert.That(WaitOne().Result, Is.EqualTo(3 * Block));

        using var c = new AlignedBuffer(3 * Block);
        Span<IoVector> one = [new(c.Pointer, 3 * Block)];
        Assert.That(_queue.TryReadVector(Block, one, 2), Is.True);
        Assert.That(WaitOne().Result, Is.EqualTo(3 * Block));
        Assert.That(c.Span[..Block].IndexOfAnyExcept((byte)0xAA), Is.EqualTo(-1));
        Assert.That(c.Span[Block..].IndexOfAnyExcept((byte)0xBB), Is.EqualTo(-1));
    }

    [Test]
    public void Flush_completes_after_writes()
    {
        using var data = new AlignedBuffer(Block);
        data.Span.Fill(3);
        _queue.TryWrite(0, data.Pointer, Block, 1);
        Assert.That(WaitOne().Result, Is.EqualTo(Block));
        Assert.That(_queue.TryFlush(2), Is.True);
        Assert.That(WaitOne(), Is.EqualTo(new BlockCompletion(2, 0)));
    }

    [Test]
    public void Discard_punches_a_hole_that_reads_back_as_zeros()
    {
        using var data = new AlignedBuffer(1 << 20);
        data.Span.Fill(0x5A);
        Assert.That(_queue.TryWrite(0, data.Pointer, data.Length, 1), Is.True);
        Assert.That(WaitOne().Result, Is.EqualTo(data.Length));
        Assert.That(_queue.TryFlush(2), Is.True);
        WaitOne();
        Assert.That(PositionalIo.NextHole(_file.Fd, 0), Is.GreaterThanOrEqualTo(1 << 20), "the first MiB is data");

        const int start = 256 << 10, length = 128 << 10;
        Assert.That(_queue.TryDiscard(start, length, 3), Is.True);
        Assert.That(WaitOne(), Is.EqualTo(new BlockCompletion(3, 0)));

        Assert.That(PositionalIo.NextHole(_file.Fd, 0), Is.EqualTo(start), "SEEK_HOLE finds the discarded range");
        Assert.That(PositionalIo.NextData(_file.Fd, start), Is.EqualTo(start + length), "data resumes after it");
        Assert.That(_file.Length, Is.EqualTo(16L << 20), "the size is kept");
        Assert.That(_queue.TryRead(0, data.Pointer, data.Length, 4), Is.True);
        WaitOne();
        Assert.That(data.Span.Slice(start, length).IndexOfAnyExcept((byte)0), Is.EqualTo(-1));
        Assert.That(data.Span[..start].IndexOfAnyExcept((byte)0x5A), Is.EqualTo(-1));
        Assert.That(data.Span[(start + length)..].IndexOfAnyExcept((byte)0x5A), Is.EqualTo(-1));
    }

    [Test]
    public void Reads_at_the_end_of_the_file_are_short_and_past_it_empty()
    {
        using var target = new AlignedBuffer(Block);
        var end = _file.Length;
        _queue.TryRead(end - 100, target.Pointer, Block, 1);
        _queue.TryRead(end, target.Pointer, Block, 2);
        _queue.TryRead(end + Block, target.Pointer, Block, 3);
        _queue.Submit();
        var results = ReapAll(3).ToDictionary(c => c.Tag, c => c.Result);
        Assert.That(results, Is.EqualTo(new Dictionary<ulong, int> { [1] = 100, [2] = 0, [3] = 0 }));
    }

    [Test]
    public void A_refused_request_fails_alone_with_its_errno()
    {
        using var readOnly = BlockFile.Open(_scratch.Path, readOnly: true, directIo: false);
        using var queue = BlockQueues.Open(readOnly, new BlockQueueOptions { Depth = 8, ForceSynchronous = !ioUring }, out _);
        using var buffer = new AlignedBuffer(Block);
        queue.TryRead(0, buffer.Pointer, Block, 1);
        queue.TryWrite(0, buffer.Pointer, Block, 2); // write on a read-only descriptor
        queue.TryRead(Block, buffer.Pointer, Block, 3);
        var all = new BlockCompletion[8];
        var got = 0;
        while (got < 3) got += queue.Wait(all.AsSpan(got), 3 - got);
        var results = all.Take(3).ToDictionary(c => c.Tag, c => c.Result);
        Assert.That(results, Is.EqualTo(new Dictionary<ulong, int> { [1] = Block, [2] = -Errno.EBADF, [3] = Block }));
        Assert.That(queue.Stats.Failed, Is.EqualTo(1));
    }

    [Test]
    public void Durable_writes_are_on_disk_when_they_complete_and_write_back_ones_are_not()
    {
        using var data = new AlignedBuffer(16 * Block);
        Random.Shared.NextBytes(data.Span);
        IoVector[] halves = [new(data.At(8 * Block), 4 * Block), new(data.At(12 * Block), 4 * Block)];

        _queue.DurableWrites = true;
        Assert.That(_queue.TryWrite(0, data.Pointer, 8 * Block, 1), Is.True);
        Assert.That(WaitOne(), Is.EqualTo(new BlockCompletion(1, 8 * Block)));
        Assert.That(_queue.TryWriteVector(8 * Block, halves, 2), Is.True);
        Assert.That(WaitOne(), Is.EqualTo(new BlockCompletion(2, 8 * Block)));
        var durable = CacheState(0, 16 * Block);
        _queue.DurableWrites = false;
        Assert.That(_queue.TryWrite(64 * Block, data.Pointer, 16 * Block, 3), Is.True);
        Assert.That(WaitOne(), Is.EqualTo(new BlockCompletion(3, 16 * Block)));
        var writeBack = CacheState(64 * Block, 16 * Block);

        Assert.That(File.ReadAllBytes(_scratch.Path).AsSpan(0, 16 * Block).SequenceEqual(data.Span), Is.True);
        Assert.That((durable.Dirty, durable.Writeback), Is.EqualTo((0UL, 0UL)), "durable writes leave no page still to be written back");
        Assert.That(writeBack.Dirty + writeBack.Writeback, Is.GreaterThan(0UL), "a write-back write completes with its pages still dirty");
    }

    [Test]
    public void Steady_state_requests_allocate_nothing([Values] bool durableWrites)
    {
        _queue.DurableWrites = durableWrites;
        var rounds = durableWrites ? 30 : 300; // a durable write waits for the disk
        using var buffer = new AlignedBuffer(32 * Block);
        IoVector[] segments = [new(buffer.Pointer, Block), new(buffer.At(Block), Block)];
        var completions = _completions;
        void Round()
        {
            for (var i = 0; i < 16; i++)
            {
                _queue.TryWrite((long)i * Block, buffer.At(i * Block), Block, (ulong)i);
                _queue.TryRead((long)(i + 16) * Block, buffer.At((i + 16) * Block), Block, (ulong)(i + 16));
            }
            _queue.TryWriteVector(64 * Block, segments, 40);
            _queue.TryReadVector(64 * Block, segments, 41);
            _queue.TryFlush(42);
            _queue.TryDiscard(128 * Block, Block, 43);
            var got = 0;
            while (got < 36) got += _queue.Wait(completions, 36 - got);
        }
        for (var i = 0; i < 20; i++) Round(); // warm-up: JIT, tiering, first-use statics

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < rounds; i++) Round();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero, $"bytes allocated over {rounds * 36} requests");
        Assert.That(_queue.Stats.Failed, Is.Zero);
    }

    private PageCacheState CacheState(long offset, long length)
    {
        var state = PageCache.Stat(_file.Fd, offset, length);
        if (state == null) Assert.Ignore("the kernel has no cachestat (Linux 6.5+): page-cache state not checked");
        return state!.Value;
    }

    private long EnterCalls => _queue is BlockQueue q ? q.EnterCalls : 0;

    private BlockCompletion WaitOne()
    {
        var got = _queue.Wait(_completions, 1);
        Assert.That(got, Is.EqualTo(1));
        return _completions[0];
    }

    private List<BlockCompletion> ReapAll(int count)
    {
        var all = new List<BlockCompletion>();
        while (all.Count < count)
        {
            var n = _queue.Wait(_completions, count - all.Count);
            for (var i = 0; i < n; i++) all.Add(_completions[i]);
        }
        return all;
    }
}
