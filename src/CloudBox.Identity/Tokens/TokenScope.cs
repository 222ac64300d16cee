namespace CloudBox.Identity.Tokens;

public enum TokenScope : byte
{
    Unscoped = 0,
    Project = 1,
    Domain = 2,
    System = 3,
}
