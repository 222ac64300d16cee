namespace CloudBox.BlockEngine;

/// <summary>A finished request: the caller's tag and the kernel's answer, bytes transferred (0 for flush and discard) or a negated errno.</summary>
public readonly record struct BlockCompletion(ulong Tag, int Result)
{
    public bool Failed => Result < 0;
}
