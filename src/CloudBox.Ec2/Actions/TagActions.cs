using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>
/// CreateTags, DeleteTags, DescribeTags on EC2 ids (the module's own table). A Name tag on an
/// instance or a volume also renames the Nova server or Cinder volume, so OpenStack's clients show
/// the same names.
/// </summary>
internal static class TagActions
{
    private static readonly Dictionary<string, string> ResourceTypes = new(StringComparer.Ordinal)
    {
        ["i"] = "instance", ["ami"] = "image", ["aki"] = "image", ["ari"] = "image", ["vol"] = "volume", ["snap"] = "snapshot",
        ["sg"] = "security-group", ["subnet"] = "subnet", ["vpc"] = "vpc", ["eipalloc"] = "elastic-ip", ["eni"] = "network-interface",
        ["rtb"] = "route-table", ["igw"] = "internet-gateway", ["key"] = "key-pair",
    };

    /// <summary>The resources named, each checked to exist and to be visible to the caller.</summary>
    private static async Task<List<(string Ec2Id, Ec2Kind Kind, string OsId)>> ResourcesAsync(Ec2Context context)
    {
        var ids = context.Request.List("ResourceId");
        if (ids.Count == 0)
            throw Ec2Error.MissingParameter("ResourceId");
        var resources = new List<(string, Ec2Kind, string)>();
        foreach (var id in ids)
        {
            var kind = Ec2Kind.Of(id);
            if (kind is null || kind == Ec2Kind.Reservation || kind == Ec2Kind.Association)
                throw Ec2Error.InvalidParameterValue($"Invalid id: \"{id}\"");
            var osId = await context.Ids.OsIdAsync(kind, id, context.Aborted);
            await CheckVisibleAsync(context, kind, id, osId);
            resources.Add((id, kind, osId));
        }
        return resources;
    }

    private static async Task CheckVisibleAsync(Ec2Context context, Ec2Kind kind, string ec2Id, string osId)
    {
        var path = kind.Prefix switch
        {
            "i" => $"{OsClient.Nova}/servers/{osId}",
            "ami" or "aki" or "ari" => $"{OsClient.Glance}/images/{osId}",
            "vol" => $"{context.Os.Cinder}/volumes/{osId}",
            "snap" => $"{context.Os.Cinder}/snapshots/{osId}",
            "sg" => $"{OsClient.Neutron}/security-groups/{osId}",
            "subnet" => $"{OsClient.Neutron}/subnets/{osId}",
            "vpc" => $"{OsClient.Neutron}/routers/{osId}",
            "eipalloc" => $"{OsClient.Neutron}/floatingips/{osId}",
            "eni" => $"{OsClient.Neutron}/ports/{osId}",
            "key" => KeyPairActions.NovaPath(context, osId),
            _ => null,
        };
        if (kind == Ec2Kind.RouteTable)
        {
            if (await context.Services.RouteTables.FindAsync(osId, context.Aborted) is not { } table || table.ProjectId != context.ProjectId)
                throw Ec2Error.NotFound(kind.NotFoundCode, ec2Id);
            return;
        }
        if (kind == Ec2Kind.InternetGateway)
        {
            if (await context.Services.Gateways.FindAsync(osId, context.Aborted) is not { } gateway || gateway.ProjectId != context.ProjectId)
                throw Ec2Error.NotFound(kind.NotFoundCode, ec2Id);
            return;
        }
        if (path is null)
            return;
        try
        {
            await context.Os.GetAsync(path, context.Aborted);
        }
        catch (OsFault fault) when (fault.Status is 403 or 404)
        {
            throw Ec2Error.NotFound(kind.NotFoundCode, ec2Id);
        }
    }

    public static async Task<byte[]> CreateAsync(Ec2Context context)
    {
        var resources = await ResourcesAsync(context);
        var tags = context.Request.Tags("Tag");
        if (tags.Count == 0)
            throw Ec2Error.MissingParameter("Tag");
        await context.Tags.SetAsync(context.ProjectId, resources.Select(r => r.Ec2Id).ToList(), tags, context.Aborted);
        if (tags.LastOrDefault(t => t.Key == "Name").Value is { Length: > 0 } name)
        {
            foreach (var (_, kind, osId) in resources)
            {
                if (kind == Ec2Kind.Instance)
                    await context.Os.PutAsync($"{OsClient.Nova}/servers/{osId}", new System.Text.Json.Nodes.JsonObject { ["server"] = new System.Text.Json.Nodes.JsonObject { ["name"] = name } }, context.Aborted);
                else if (kind == Ec2Kind.Volume)
                    await context.Os.PutAsync($"{context.Os.Cinder}/volumes/{osId}", new System.Text.Json.Nodes.JsonObject { ["volume"] = new System.Text.Json.Nodes.JsonObject { ["name"] = name } }, context.Aborted);
            }
        }
        return VpcActions.True(context);
    }

    public static async Task<byte[]> DeleteAsync(Ec2Context context)
    {
        var resources = await ResourcesAsync(context);
        var tags = new List<KeyValuePair<string, string?>>();
        foreach (var index in context.Request.Indexes("Tag"))
        {
            var key = context.Request.Get($"Tag.{index}.Key") ?? throw Ec2Error.MissingParameter($"Tag.{index}.Key");
            tags.Add(new(key, context.Request.Get($"Tag.{index}.Value")));
        }
        await context.Tags.DeleteAsync(context.ProjectId, resources.Select(r => r.Ec2Id).ToList(), tags, context.Aborted);
        return VpcActions.True(context);
    }

    public static async Task<byte[]> DescribeAsync(Ec2Context context)
    {
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "key", "value", "resource-id", "resource-type");
        var maxResults = context.Request.Int("MaxResults", 1000, 5, 1000);
        string? afterResource = null, afterKey = null;
        if (context.Request.Get("NextToken") is { } token)
        {
            var separator = token.IndexOf('|');
            if (separator <= 0)
                throw Ec2Error.InvalidParameterValue($"Invalid NextToken: {token}");
            afterResource = token[..separator];
            afterKey = token[(separator + 1)..];
        }
        // Filters apply to each page as read; a page may come back shorter than MaxResults with a NextToken.
        var rows = await context.Tags.ListAsync(context.ProjectId, afterResource, afterKey, maxResults, context.Aborted);
        using var xml = context.Response();
        xml.Start("tagSet");
        foreach (var row in rows)
        {
            var type = ResourceTypes.GetValueOrDefault(row.ResourceId[..Math.Max(0, row.ResourceId.IndexOf('-'))]) ?? "";
            var passes = true;
            foreach (var filter in filters)
            {
                var value = filter.Name switch
                {
                    "key" => row.TagKey,
                    "value" => row.TagValue,
                    "resource-id" => row.ResourceId,
                    "resource-type" => type,
                    _ => null,
                };
                if (value is null)
                {
                    TagFilters.TryMatch(filter, [new(row.TagKey, row.TagValue)], out var matches);
                    passes &= matches;
                }
                else
                {
                    passes &= filter.Matches(value);
                }
            }
            if (!passes)
                continue;
            xml.Start("item").Element("resourceId", row.ResourceId).Element("resourceType", type).Element("key", row.TagKey).Element("value", row.TagValue).End();
        }
        xml.End();
        if (rows.Count == maxResults)
            xml.Element("nextToken", rows[^1].ResourceId + "|" + rows[^1].TagKey);
        return xml.ToBytes();
    }
}
