namespace CloudBox.Ec2.OpenStack;

/// <summary>An OpenStack API (Nova, Neutron, Cinder, Glance, Keystone) refused a call made for an EC2 request.</summary>
internal sealed class OsFault(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public bool IsQuota => Status is 403 or 413 && (Message.Contains("Quota exceeded", StringComparison.OrdinalIgnoreCase) || Message.Contains("quota", StringComparison.OrdinalIgnoreCase));
}
