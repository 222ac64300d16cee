namespace CloudBox.Core.Modules;

/// <summary>
/// Work a module must finish before the process serves requests (after migrations), such as
/// Identity's bootstrap. Run in registration order; a failure stops the start.
/// </summary>
public interface IStartupTask
{
    Task RunAsync(CancellationToken cancellationToken);
}
