namespace CloudBox.Images.Import;

public static class TaskStatus
{
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Success = "success";
    public const string Failure = "failure";
}
