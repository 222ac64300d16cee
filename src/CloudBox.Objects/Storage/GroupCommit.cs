using System.Data.Common;
using System.Threading.Channels;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Objects.Storage;

/// <summary>
/// Group commit for SQLite, which has one writer and pays one fsync per commit: concurrent
/// units of work queue here and a single writer runs as many as are waiting in one
/// transaction, each inside its own savepoint so one failing unit is undone alone. Every caller
/// is answered only after the shared commit, so an acknowledged write is as durable as with
/// its own transaction.
/// </summary>
internal sealed class GroupCommit(Database database)
{
    private const int MaxBatch = 128;
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private int _writerStarted;

    public async Task<T> RunAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work)
    {
        var item = new WorkItem(async (connection, transaction) => await work(connection, transaction));
        if (Interlocked.Exchange(ref _writerStarted, 1) == 0)
            _ = Task.Run(WriterLoopAsync);
        await _queue.Writer.WriteAsync(item);
        return (T)(await item.Completion.Task)!;
    }

    private async Task WriterLoopAsync()
    {
        var batch = new List<WorkItem>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
                batch.Add(item);
            if (batch.Count == 0)
                continue;
            await RunBatchAsync(batch);
        }
    }

    private async Task RunBatchAsync(List<WorkItem> batch)
    {
        var results = new (object? Value, Exception? Error)[batch.Count];
        try
        {
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    await connection.ExecuteAsync("SAVEPOINT unit", transaction: transaction);
                    try
                    {
                        results[i] = (await batch[i].Work(connection, transaction), null);
                        await connection.ExecuteAsync("RELEASE unit", transaction: transaction);
                    }
                    catch (Exception error)
                    {
                        await connection.ExecuteAsync("ROLLBACK TO unit; RELEASE unit", transaction: transaction);
                        results[i] = (null, error);
                    }
                }
            });
        }
        catch (Exception commitFailure)
        {
            foreach (var item in batch)
                item.Completion.TrySetException(commitFailure);
            return;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i].Error is { } error)
                batch[i].Completion.TrySetException(error);
            else
                batch[i].Completion.TrySetResult(results[i].Value);
        }
    }

    private sealed record WorkItem(Func<DbConnection, DbTransaction, Task<object?>> Work)
    {
        public TaskCompletionSource<object?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
