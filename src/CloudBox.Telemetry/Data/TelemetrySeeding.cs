using CloudBox.Core.Modules;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;

namespace CloudBox.Telemetry.Data;

/// <summary>
/// At first start, what gnocchi-upgrade creates: the four default archive policies, the
/// <c>default</c> rule (<c>*</c> → <c>low</c>), and the generic and Ceilometer resource types.
/// Existing rows are left alone.
/// </summary>
internal sealed class TelemetrySeeding(ArchivePolicyStore policies, ArchivePolicyRuleStore rules, ResourceTypeStore types) : IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var existingRules = await rules.ListAsync(cancellationToken);
        var existingPolicies = await policies.ListAsync(cancellationToken);
        if (existingPolicies.Count == 0)
        {
            foreach (var policy in ArchivePolicy.Defaults)
                await policies.InsertAsync(policy, cancellationToken);
            if (existingRules.Count == 0)
                await rules.InsertAsync(new ArchivePolicyRule("default", "*", "low"), cancellationToken);
        }
        foreach (var type in ResourceType.BuiltIn())
        {
            if (await types.FindAsync(type.Name, cancellationToken) is null)
                await types.InsertAsync(type, cancellationToken);
        }
    }
}
