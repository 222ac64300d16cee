namespace CloudBox.Orchestration.Resources;

/// <summary>The resource types this cloud offers, by name (<c>resource type list</c>).</summary>
internal sealed class ResourceRegistry(IEnumerable<ResourceType> types)
{
    private readonly Dictionary<string, ResourceType> _types = types.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public IEnumerable<ResourceType> All => _types.Values.OrderBy(t => t.Name, StringComparer.Ordinal);

    public ResourceType? Find(string name) =>
        _types.GetValueOrDefault(name) ?? (Heat.TemplateResourceType.IsTemplateName(name) ? Heat.TemplateResourceType.Instance : null);

    public static IEnumerable<ResourceType> BuiltIn() =>
    [
        new Heat.RandomStringType(), new Heat.StackType(), new Heat.WaitConditionHandleType(), new Heat.WaitConditionType(), new Heat.AutoScalingGroupType(), new Heat.ScalingPolicyType(), new Heat.ResourceGroupType(), new Heat.ValueType(), new Heat.NoneType(), new Heat.TestResourceType(),
        new Heat.SoftwareConfigType(), new Heat.CloudConfigType(), new Heat.MultipartMimeType(),
        new Neutron.NetType(), new Neutron.SubnetType(), new Neutron.RouterType(), new Neutron.RouterInterfaceType(),
        new Neutron.SecurityGroupType(), new Neutron.SecurityGroupRuleType(), new Neutron.PortType(), new Neutron.FloatingIpType(), new Neutron.FloatingIpAssociationType(),
        new Cinder.VolumeType(), new Cinder.VolumeAttachmentType(),
        new Nova.ServerType(), new Nova.KeyPairType(), new Nova.FlavorType(), new Nova.ServerGroupType(),
        new Swift.ContainerType(),
        new Keystone.ProjectType(), new Keystone.UserType(), new Keystone.RoleType(), new Keystone.UserRoleAssignmentType(),
        new Glance.WebImageType(),
        new Trove.InstanceType(),
        new Aodh.MeterAlarmType(), new Aodh.GnocchiResourcesAlarmType(), new Aodh.GnocchiAggregationByResourcesAlarmType(), new Aodh.GnocchiAggregationByMetricsAlarmType(),
    ];
}
