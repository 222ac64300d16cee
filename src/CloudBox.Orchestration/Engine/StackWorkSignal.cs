namespace CloudBox.Orchestration.Engine;

/// <summary>Wakes the stack worker when a request has started an operation.</summary>
internal sealed class StackWorkSignal : Core.Workers.WorkSignal;
