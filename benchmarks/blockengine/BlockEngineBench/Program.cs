using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using BlockEngineBench;
using CloudBox.BlockEngine;

// 4 KiB random reads or writes through one BlockQueue at a fixed queue depth for a fixed time, as fio's io_uring
// engine does them: O_DIRECT, registered file and buffers, one io_uring_enter per batch. Prints one line:
//   engine rw=randread qd=32 iops=… p50_us=… p99_us=… enters_per_request=…
// Usage: BlockEngineBench <file> <randread|randwrite> <queue depth> <seconds> [--sqpoll] [--buffered] [--no-fixedbufs] [--defer-taskrun]

if (args.Length < 4)
{
    Console.Error.WriteLine("usage: BlockEngineBench <file> <randread|randwrite> <queue depth> <seconds> [--sqpoll] [--buffered] [--no-fixedbufs] [--defer-taskrun]");
    return 2;
}
var path = args[0];
var write = args[1] switch { "randread" => false, "randwrite" => true, _ => throw new ArgumentException("rw must be randread or randwrite") };
var depth = int.Parse(args[2], CultureInfo.InvariantCulture);
var seconds = double.Parse(args[3], CultureInfo.InvariantCulture);
var sqPoll = args.Contains("--sqpoll");
var direct = !args.Contains("--buffered");
var fixedBuffers = !args.Contains("--no-fixedbufs");
var deferTaskRun = args.Contains("--defer-taskrun");
const int blockSize = 4096;

using var file = BlockFile.Open(path, readOnly: !write, directIo: direct);
if (file.DirectIoRefusal != null) Console.Error.WriteLine(file.DirectIoRefusal);
using var queue = new BlockQueue(file, new BlockQueueOptions { Depth = depth, SqPoll = sqPoll, DeferTaskRun = deferTaskRun });
var blocks = file.Length / blockSize;
var memoryLength = (long)depth * blockSize;
unsafe
{
    var memory = (byte*)NativeMemory.AlignedAlloc((nuint)memoryLength, 4096);
    new Span<byte>(memory, (int)memoryLength).Fill(0xA5);
    if (fixedBuffers && !queue.RegisterMemory(memory, memoryLength)) Console.Error.WriteLine("buffer registration refused; plain reads and writes");

    var started = new long[depth];
    var completions = new BlockCompletion[depth];
    var histogram = new LatencyHistogram();
    var random = new Random(42);
    long errors = 0;

    void Issue(int slot)
    {
        var offset = random.NextInt64(blocks) * blockSize;
        started[slot] = Stopwatch.GetTimestamp();
        var ok = write
            ? queue.TryWrite(offset, memory + (long)slot * blockSize, blockSize, (ulong)slot)
            : queue.TryRead(offset, memory + (long)slot * blockSize, blockSize, (ulong)slot);
        if (!ok) throw new InvalidOperationException("no free slot at the configured depth");
    }

    for (var i = 0; i < depth; i++) Issue(i);
    var clock = Stopwatch.StartNew();
    var warmupEnds = TimeSpan.FromSeconds(Math.Min(1, seconds / 10));
    var measuring = false;
    long measuredFrom = 0;
    long entersFrom = 0, requestsFrom = 0;
    var duration = TimeSpan.FromSeconds(seconds) + warmupEnds;
    while (true)
    {
        var n = queue.Wait(completions, 1);
        var now = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            var slot = (int)completions[i].Tag;
            if (completions[i].Result != blockSize) errors++;
            if (measuring) histogram.Record((long)((now - started[slot]) * (1e9 / Stopwatch.Frequency)));
        }
        var elapsed = clock.Elapsed;
        if (!measuring && elapsed >= warmupEnds)
        {
            measuring = true;
            measuredFrom = now;
            entersFrom = queue.EnterCalls;
            requestsFrom = queue.Stats.Submitted;
        }
        if (elapsed >= duration) break;
        for (var i = 0; i < n; i++) Issue((int)completions[i].Tag);
    }
    var measuredSeconds = (Stopwatch.GetTimestamp() - measuredFrom) / (double)Stopwatch.Frequency;
    var enters = (queue.EnterCalls - entersFrom) / (double)Math.Max(1, queue.Stats.Submitted - requestsFrom);
    Console.WriteLine(FormattableString.Invariant(
        $"engine rw={args[1]} qd={depth} iops={histogram.Count / measuredSeconds:F0} p50_us={histogram.PercentileMicroseconds(0.50):F1} p99_us={histogram.PercentileMicroseconds(0.99):F1} enters_per_request={enters:F3} errors={errors} direct={file.DirectIo} sqpoll={sqPoll} defer_taskrun={deferTaskRun}"));
    queue.Drain();
    NativeMemory.AlignedFree(memory);
}
return 0;
