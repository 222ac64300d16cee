using CloudBox.Ec2.Api;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>DescribeRegions (this cloud's one region), DescribeAvailabilityZones (Compute's zones) and DescribeAccountAttributes.</summary>
internal static class RegionActions
{
    public static Task<byte[]> DescribeRegionsAsync(Ec2Context context)
    {
        var names = context.Request.List("RegionName");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "region-name", "endpoint", "opt-in-status");
        var region = context.Services.Region;
        foreach (var name in names)
        {
            if (name != region)
                throw Ec2Error.InvalidParameterValue($"Invalid region: {name}");
        }
        var endpoint = context.Services.Endpoint;
        var host = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri.Authority : endpoint;
        using var xml = context.Response();
        xml.Start("regionInfo");
        if (TagFilters.Passes(filters, null, name => name switch { "region-name" => [region], "endpoint" => [host], _ => ["opt-in-not-required"] }))
            xml.Start("item").Element("regionName", region).Element("regionEndpoint", host).Element("optInStatus", "opt-in-not-required").End();
        xml.End();
        return Task.FromResult(xml.ToBytes());
    }

    public static async Task<byte[]> DescribeAvailabilityZonesAsync(Ec2Context context)
    {
        var names = context.Request.List("ZoneName");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "zone-name", "region-name", "state", "zone-type", "zone-id");
        var body = await context.Os.GetAsync($"{OsClient.Nova}/os-availability-zone", context.Aborted);
        var zones = body.Items("availabilityZoneInfo").Where(z => z["zoneState"].Flag("available") != false).Select(z => z.Str("zoneName")).OfType<string>().ToList();
        if (zones.Count == 0)
            zones.Add("nova");
        foreach (var name in names)
        {
            if (!zones.Contains(name))
                throw Ec2Error.InvalidParameterValue($"Invalid availability zone: [{name}]");
        }
        var region = context.Services.Region;
        using var xml = context.Response();
        xml.Start("availabilityZoneInfo");
        foreach (var zone in zones)
        {
            if (names.Count > 0 && !names.Contains(zone))
                continue;
            if (!TagFilters.Passes(filters, null, name => name switch
                {
                    "zone-name" or "zone-id" => [zone],
                    "region-name" => [region],
                    "state" => ["available"],
                    _ => ["availability-zone"],
                }))
                continue;
            xml.Start("item").Element("zoneName", zone).Element("zoneState", "available").Element("regionName", region).Empty("messageSet")
                .Element("zoneId", zone).Element("zoneType", "availability-zone").Element("groupName", region).Element("optInStatus", "opt-in-not-required").End();
        }
        xml.End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> DescribeAccountAttributesAsync(Ec2Context context)
    {
        var wanted = context.Request.List("AttributeName");
        var limits = (await context.Os.GetAsync($"{OsClient.Nova}/limits", context.Aborted))["limits"]?["absolute"];
        string? floating = null;
        try
        {
            var quota = await context.Os.GetAsync($"{OsClient.Neutron}/quotas/{context.ProjectId}", context.Aborted);
            floating = quota["quota"].Num("floatingip")?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (OsFault)
        {
            // no Networking quota to show
        }
        var defaultVpc = "none";
        foreach (var vpc in await context.Services.Vpcs.ListAsync(context.ProjectId, context.Aborted))
        {
            if (vpc.IsDefault)
                defaultVpc = await context.Ids.Ec2IdAsync(Ids.Ec2Kind.Vpc, vpc.RouterId, context.Aborted);
        }
        var attributes = new List<(string Name, string[] Values)>
        {
            ("supported-platforms", ["VPC"]),
            ("default-vpc", [defaultVpc]),
            ("max-instances", [(limits.Num("maxTotalInstances") ?? -1).ToString(System.Globalization.CultureInfo.InvariantCulture)]),
            ("vpc-max-security-groups-per-interface", ["5"]),
            ("max-elastic-ips", [floating ?? "0"]),
            ("vpc-max-elastic-ips", [floating ?? "0"]),
        };
        foreach (var name in wanted)
        {
            if (!attributes.Any(a => a.Name == name))
                throw Ec2Error.InvalidParameterValue($"Value ({name}) for parameter attributeName is invalid.");
        }
        using var xml = context.Response();
        xml.Start("accountAttributeSet");
        foreach (var (name, values) in attributes)
        {
            if (wanted.Count > 0 && !wanted.Contains(name))
                continue;
            xml.Start("item").Element("attributeName", name).Start("attributeValueSet");
            foreach (var value in values)
                xml.Start("item").Element("attributeValue", value).End();
            xml.End().End();
        }
        xml.End();
        return xml.ToBytes();
    }
}
