namespace CloudBox.Compute.Drivers;

/// <summary>Nova's power_state numbers.</summary>
public static class PowerState
{
    public const int NoState = 0;
    public const int Running = 1;
    public const int Paused = 3;
    public const int Shutdown = 4;
    public const int Crashed = 6;
    public const int Suspended = 7;
}
