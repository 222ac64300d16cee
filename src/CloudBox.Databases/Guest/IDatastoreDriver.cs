using CloudBox.Databases.Agent;

namespace CloudBox.Databases.Guest;

/// <summary>What the guest agent does with one kind of datastore. Every action is idempotent: a task handed out twice has the effect of once.</summary>
internal interface IDatastoreDriver
{
    /// <summary><c>new</c> before preparation, then <c>running</c>, <c>shutdown</c> or <c>failed</c>.</summary>
    Task<string> StatusAsync(CancellationToken cancellationToken);

    /// <summary>Starts an already prepared datastore (after the guest restarts); does nothing before preparation.</summary>
    Task StartIfPreparedAsync(CancellationToken cancellationToken);

    Task<AgentTaskResult> RunAsync(AgentTask task, CancellationToken cancellationToken);
}
