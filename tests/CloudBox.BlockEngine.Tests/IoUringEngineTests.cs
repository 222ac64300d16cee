using CloudBox.Linux;
using CloudBox.Linux.Events;
using CloudBox.Linux.Files;
using CloudBox.Linux.IoUring;

namespace CloudBox.BlockEngine.Tests;

/// <summary>What only the io_uring engine does: SQPOLL, registered memory, eventfd completions, reaping without entering the kernel, O_DIRECT.</summary>
public sealed unsafe class IoUringEngineTests
{
    private const int Block = 4096;

    [Test]
    public void Completions_already_posted_are_reaped_without_a_system_call()
    {
        using var scratch = new ScratchFile(1 << 20);
        using var file = BlockFile.Open(scratch.Path, false, false);
        using var queue = OpenIoUring(file, new BlockQueueOptions { Depth = 8 });
        using var buffer = new AlignedBuffer(Block);
        var completions = new BlockCompletion[8];

        queue.TryRead(0, buffer.Pointer, Block, 1);
        queue.Submit();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (queue.InFlight > 0 && DateTime.UtcNow < deadline)
        {
            var enters = queue.EnterCalls;
            if (queue.Reap(completions) == 1) Assert.That(queue.EnterCalls, Is.EqualTo(enters), "reaping entered the kernel");
        }
        Assert.That(queue.InFlight, Is.Zero);
        Assert.That(completions[0], Is.EqualTo(new BlockCompletion(1, Block)));
    }

    [Test]
    public void Under_sqpoll_a_busy_queue_submits_without_entering_the_kernel_each_batch()
    {
        using var scratch = new ScratchFile(4 << 20);
        using var file = BlockFile.Open(scratch.Path, false, false);
        using var queue = OpenIoUring(file, new BlockQueueOptions { Depth = 16, SqPoll = true });
        using var buffer = new AlignedBuffer(16 * Block);
        var completions = new BlockCompletion[16];
        const int batches = 200;
        for (var b = 0; b < batches; b++)
        {
            for (var i = 0; i < 16; i++) queue.TryWrite((long)(b % 64 * 16 + i) * Block % (4 << 20), buffer.At(i * Block), Block, (ulong)i);
            queue.Submit();
            var got = 0;
            while (got < 16)
            {
                var n = queue.Reap(completions);
                for (var i = 0; i < n; i++) Assert.That(completions[i].Result, Is.EqualTo(Block));
                got += n;
            }
        }
        Assert.That(queue.SqPoll, Is.True);
        Assert.That(queue.Stats.Completed, Is.EqualTo(batches * 16));
        Assert.That(queue.EnterCalls, Is.LessThan(batches), "the polling thread picked up batches without io_uring_enter");
    }

    [Test]
    public void With_deferred_task_work_completions_arrive_through_wait()
    {
        using var scratch = new ScratchFile(1 << 20);
        using var file = BlockFile.Open(scratch.Path, false, false);
        using var queue = OpenIoUring(file, new BlockQueueOptions { Depth = 16, DeferTaskRun = true });
        using var buffer = new AlignedBuffer(16 * Block);
        for (var i = 0; i < 16; i++) buffer.Span.Slice(i * Block, Block).Fill((byte)i);
        var completions = new BlockCompletion[16];
        for (var i = 0; i < 16; i++) queue.TryWrite((long)i * Block, buffer.At(i * Block), Block, (ulong)i);
        var got = 0;
        while (got < 16) got += queue.Wait(completions.AsSpan(got), 16 - got);
        Assert.That(completions.Select(c => c.Result), Is.All.EqualTo(Block));
        var onDisk = File.ReadAllBytes(scratch.Path);
        for (var i = 0; i < 16; i++) Assert.That(onDisk[i * Block], Is.EqualTo((byte)i));
    }

    [Test]
    public void Reads_and_writes_inside_registered_memory_use_fixed_buffers()
    {
        using var scratch = new ScratchFile(1 << 20);
        using var file = BlockFile.Open(scratch.Path, false, false);
        using var queue = OpenIoUring(file, new BlockQueueOptions { Depth = 8 });
        using var memory = new AlignedBuffer(64 * Block);
        Assert.That(queue.RegisterMemory(memory.Pointer, memory.Length), Is.True);
        memory.Span[..Block].Fill(0x42);
        var completions = new BlockCompletion[8];

        queue.TryWrite(Block, memory.Pointer, Block, 1);
        Assert.That(queue.Wait(completions, 1), Is.EqualTo(1));
        queue.TryRead(Block, memory.At(10 * Block), Block, 2);
        Assert.That(queue.Wait(completions, 1), Is.EqualTo(1));
        Assert.That(completions[0], Is.EqualTo(new BlockCompletion(2, Block)));
        Assert.That(memory.Span.Slice(10 * Block, Block).IndexOfAnyExcept((byte)0x42), Is.EqualTo(-1));
        Assert.That(queue.Stats.FixedBufferOps, Is.EqualTo(2));

        using var outside = new AlignedBuffer(Block);
        queue.TryRead(0, outside.Pointer, Block, 3);
        queue.Wait(completions, 1);
        Assert.That(queue.Stats.FixedBufferOps, Is.EqualTo(2), "a buffer outside registered memory goes the plain way");
    }

    [Test]
    public void A_registered_eventfd_is_signalled_by_completions()
    {
        using var scratch = new ScratchFile(1 << 20);
        using var file = BlockFile.Open(scratch.Path, false, false);
        using var queue = OpenIoUring(file, new BlockQueueOptions { Depth = 8 });
        using var events = new EventFd();
        queue.NotifyCompletionsTo(events.Fd);
        using var buffer = new AlignedBuffer(Block);
        queue.TryRead(0, buffer.Pointer, Block, 1);
        queue.Wait(new BlockCompletion[1], 1);
        Assert.That(events.Consume(), Is.GreaterThan(0UL));
    }

    [Test]
    public void Direct_io_is_used_on_a_disk_file_system_and_round_trips()
    {
        using var scratch = new ScratchFile(1 << 20);
        using var file = BlockFile.Open(scratch.Path, false, directIo: true);
        Assert.That(file.DirectIo, Is.True, file.DirectIoRefusal);
        var flags = File.ReadAllLines($"/proc/self/fdinfo/{file.Fd}").Single(l => l.StartsWith("flags:"));
        Assert.That(Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 0x4000, Is.Not.Zero, "O_DIRECT is set on the descriptor");
        using var queue = OpenIoUring(file, new BlockQueueOptions { Depth = 8 });
        using var buffer = new AlignedBuffer(2 * Block);
        buffer.Span[..Block].Fill(9);
        var completions = new BlockCompletion[1];
        queue.TryWrite(Block, buffer.Pointer, Block, 1);
        queue.Wait(completions, 1);
        Assert.That(completions[0], Is.EqualTo(new BlockCompletion(1, Block)));
        queue.TryRead(Block, buffer.At(Block), Block, 2);
        queue.Wait(completions, 1);
        Assert.That(completions[0], Is.EqualTo(new BlockCompletion(2, Block)));
        Assert.That(buffer.Span[Block..].IndexOfAnyExcept((byte)9), Is.EqualTo(-1));
    }

    [Test]
    public void Durable_writes_in_flight_together_complete_after_one_shared_fdatasync_and_reads_are_not_held()
    {
        using var scratch = new ScratchFile(1 << 20);
        using var file = BlockFile.Open(scratch.Path, false, false);
        using var queue = OpenIoUring(file, new BlockQueueOptions { Depth = 32 });
        using var buffer = new AlignedBuffer(32 * Block);
        buffer.Span.Fill(0x5A);
        var completions = new BlockCompletion[32];

        queue.DurableWrites = true;
        for (var i = 0; i < 16; i++)
        {
            Assert.That(queue.TryWrite((long)i * Block, buffer.At(i * Block), Block, (ulong)i), Is.True);
            Assert.That(queue.Ring.LastFilled.OpFlags, Is.Zero, "a plain write: durability comes from the group's sync");
        }
        IoVector[] segments = [new(buffer.At(16 * Block), Block), new(buffer.At(17 * Block), Block)];
        queue.TryWriteVector(16 * Block, segments, 16);
        queue.TryRead(0, buffer.At(20 * Block), Block, 17);
        var got = 0;
        while (got < 18) got += queue.Wait(completions.AsSpan(got), 18 - got);

        Assert.That(completions.Take(18).Select(c => c.Result), Is.EquivalentTo(Enumerable.Repeat(Block, 16).Append(2 * Block).Append(Block)));
        Assert.That(queue.InFlight, Is.Zero);
        Assert.That(queue.GroupSyncs, Is.InRange(1, 17), "at most one sync per write, and at least one");
        TestContext.Out.WriteLine($"17 durable writes in flight together were made durable by {queue.GroupSyncs} fdatasync(s)");

        queue.DurableWrites = false;
        var syncs = queue.GroupSyncs;
        queue.TryWrite(0, buffer.Pointer, Block, 40);
        Assert.That(queue.Wait(completions, 1), Is.EqualTo(1));
        Assert.That(queue.GroupSyncs, Is.EqualTo(syncs), "a write-back write is not synced");
        Assert.That(queue.Stats.Failed, Is.Zero);
    }

    [Test]
    public void A_durable_write_that_fails_is_answered_at_once_with_its_error()
    {
        using var scratch = new ScratchFile(1 << 20);
        using var file = BlockFile.Open(scratch.Path, true, false); // read-only descriptor: writes fail with EBADF
        using var queue = OpenIoUring(file, new BlockQueueOptions { Depth = 8 });
        using var buffer = new AlignedBuffer(Block);
        var completions = new BlockCompletion[8];
        queue.DurableWrites = true;
        queue.TryWrite(0, buffer.Pointer, Block, 7);
        Assert.That(queue.Wait(completions, 1), Is.EqualTo(1));
        Assert.That(completions[0], Is.EqualTo(new BlockCompletion(7, -Errno.EBADF)));
        Assert.That(queue.GroupSyncs, Is.Zero, "nothing to make durable");
    }

    private static BlockQueue OpenIoUring(BlockFile file, BlockQueueOptions options)
    {
        try
        {
            return new BlockQueue(file, options);
        }
        catch (IoUringUnavailableException e)
        {
            Assert.Ignore($"io_uring engine not tested: {e.Message}");
            throw;
        }
    }
}
