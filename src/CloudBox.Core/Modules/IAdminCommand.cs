namespace CloudBox.Core.Modules;

/// <summary>An operator verb under <c>cloudbox admin</c>, run against the same database and data directory as <c>serve</c>.</summary>
public interface IAdminCommand
{
    /// <summary>The verb, e.g. <c>reset-password</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>cloudbox admin --help</c>, including the verb's own options.</summary>
    string Usage { get; }

    /// <summary>Runs the verb with its own arguments; returns the process exit code.</summary>
    Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken);
}
