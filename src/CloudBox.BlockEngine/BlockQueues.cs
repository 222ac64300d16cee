using CloudBox.Linux.IoUring;

namespace CloudBox.BlockEngine;

/// <summary>Builds the best queue the kernel allows: io_uring, else the synchronous path with the reason recorded.</summary>
public static class BlockQueues
{
    /// <summary>Opens a queue on the file; <paramref name="fallbackReason"/> says why io_uring was not used, null if it was.</summary>
    public static IBlockQueue Open(BlockFile file, BlockQueueOptions options, out string? fallbackReason)
    {
        if (options.ForceSynchronous)
        {
            fallbackReason = "the synchronous path was asked for";
            return new SyncBlockQueue(file, options);
        }
        try
        {
            fallbackReason = null;
            return new BlockQueue(file, options);
        }
        catch (IoUringUnavailableException e)
        {
            fallbackReason = e.Message;
            return new SyncBlockQueue(file, options);
        }
    }
}
