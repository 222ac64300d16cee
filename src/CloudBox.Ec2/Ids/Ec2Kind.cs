using CloudBox.Ec2.Api;

namespace CloudBox.Ec2.Ids;

/// <summary>The EC2 resource kinds, each with its id prefix, and the error code for an unknown id of the kind.</summary>
internal sealed record Ec2Kind(string Prefix, string NotFoundCode, string MalformedCode)
{
    public static readonly Ec2Kind Instance = new("i", "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed");
    public static readonly Ec2Kind Image = new("ami", "InvalidAMIID.NotFound", "InvalidAMIID.Malformed");
    public static readonly Ec2Kind Kernel = new("aki", "InvalidAMIID.NotFound", "InvalidAMIID.Malformed");
    public static readonly Ec2Kind Ramdisk = new("ari", "InvalidAMIID.NotFound", "InvalidAMIID.Malformed");
    public static readonly Ec2Kind Volume = new("vol", "InvalidVolume.NotFound", "InvalidVolumeID.Malformed");
    public static readonly Ec2Kind Snapshot = new("snap", "InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed");
    public static readonly Ec2Kind SecurityGroup = new("sg", "InvalidGroup.NotFound", "InvalidGroupId.Malformed");
    public static readonly Ec2Kind Subnet = new("subnet", "InvalidSubnetID.NotFound", "InvalidSubnetID.Malformed");
    public static readonly Ec2Kind Vpc = new("vpc", "InvalidVpcID.NotFound", "InvalidVpcID.Malformed");
    public static readonly Ec2Kind Address = new("eipalloc", "InvalidAllocationID.NotFound", "InvalidAllocationID.Malformed");
    public static readonly Ec2Kind Association = new("eipassoc", "InvalidAssociationID.NotFound", "InvalidAssociationID.Malformed");
    public static readonly Ec2Kind NetworkInterface = new("eni", "InvalidNetworkInterfaceID.NotFound", "InvalidNetworkInterfaceID.Malformed");
    public static readonly Ec2Kind RouteTable = new("rtb", "InvalidRouteTableID.NotFound", "InvalidRouteTableID.Malformed");
    public static readonly Ec2Kind InternetGateway = new("igw", "InvalidInternetGatewayID.NotFound", "InvalidInternetGatewayID.Malformed");
    public static readonly Ec2Kind Reservation = new("r", "InvalidReservationID.NotFound", "InvalidReservationID.Malformed");
    /// <summary>A key pair (Nova's are per user: the OpenStack id is <c>user id/name</c>, see <c>KeyPairActions.OsId</c>).</summary>
    public static readonly Ec2Kind KeyPair = new("key", "InvalidKeyPair.NotFound", "InvalidKeyPair.NotFound");

    public static readonly IReadOnlyList<Ec2Kind> All =
        [Instance, Image, Kernel, Ramdisk, Volume, Snapshot, SecurityGroup, Subnet, Vpc, Address, Association, NetworkInterface, RouteTable, InternetGateway, Reservation, KeyPair];

    /// <summary>The kind an id's prefix names, or null.</summary>
    public static Ec2Kind? Of(string ec2Id)
    {
        var dash = ec2Id.IndexOf('-');
        if (dash <= 0)
            return null;
        var prefix = ec2Id.AsSpan(0, dash);
        foreach (var kind in All)
        {
            if (prefix.SequenceEqual(kind.Prefix))
                return kind;
        }
        return null;
    }

    /// <summary>EC2's Malformed error (400) for this kind unless <paramref name="ec2Id"/> is well formed.</summary>
    public void RequireWellFormed(string ec2Id)
    {
        if (!IsWellFormed(ec2Id))
            throw new Ec2Error(400, MalformedCode, $"Invalid id: \"{ec2Id}\"");
    }

    /// <summary>EC2's NotFound error for the first of <paramref name="requested"/> that is not among <paramref name="known"/> (EC2 ids by OpenStack id).</summary>
    public void RequireKnown(IEnumerable<string> requested, Dictionary<string, string> known)
    {
        foreach (var id in requested)
        {
            if (!known.ContainsValue(id))
                throw Ec2Error.NotFound(NotFoundCode, id);
        }
    }

    /// <summary>True when <paramref name="ec2Id"/> is this kind's prefix, a dash and 8 or 17 lower-case hex digits.</summary>
    public bool IsWellFormed(string ec2Id)
    {
        if (!ec2Id.StartsWith(Prefix + "-", StringComparison.Ordinal))
            return false;
        var digits = ec2Id.AsSpan(Prefix.Length + 1);
        if (digits.Length is not (8 or 17))
            return false;
        foreach (var c in digits)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
                return false;
        }
        return true;
    }
}
