namespace CloudBox.Ec2.Ids;

/// <summary>Reservation ids: one per RunInstances call; an instance made outside EC2 is its own reservation.</summary>
internal static class Reservations
{
    public static string New() => Ec2IdStore.NewId(Ec2Kind.Reservation);

    /// <summary>The reservation of an instance EC2 did not launch: derived from its own id, so it is stable.</summary>
    public static string Of(string instanceEc2Id) => "r-" + instanceEc2Id[(instanceEc2Id.IndexOf('-') + 1)..];
}
