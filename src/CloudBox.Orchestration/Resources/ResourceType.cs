using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources;

/// <summary>
/// One resource type (a plugin): its property and attribute schema, and how it is created, checked,
/// updated in place and deleted through the owning module's public API. Properties a type cannot
/// change in place make the engine replace the resource (new before old).
/// </summary>
internal abstract class ResourceType
{
    public abstract string Name { get; }

    public virtual string Description => "";

    public abstract IReadOnlyDictionary<string, PropertySchema> Properties { get; }

    public virtual IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>();

    /// <summary>Types only admins may use (Keystone's, flavors).</summary>
    public virtual bool AdminOnly => false;

    /// <summary>Starts the create and returns the physical id as soon as there is one (it is recorded at once).</summary>
    public abstract Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken);

    /// <summary>Waits until the create has finished (a server ACTIVE, a volume available); fails with the reason.</summary>
    public virtual Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>True when every changed property can change in place.</summary>
    public virtual bool CanUpdate(IReadOnlySet<string> changed) => changed.All(name => Properties.TryGetValue(name, out var p) && p.UpdateAllowed);

    public virtual Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>
    /// Before the replacement of an UpdateReplace is created, frees what the old resource holds that the new one
    /// is given too (Heat's prepare_for_replace: a server lets go of the ports its template names). The old one
    /// is deleted once the stack has converged.
    /// </summary>
    public virtual Task PrepareForReplaceAsync(ResourceContext context, string physicalId, JsonObject before, CancellationToken cancellationToken) => Task.CompletedTask;

    public abstract Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken);

    /// <summary>An attribute of the live resource (<c>show</c> is the whole of it), null when unknown.</summary>
    public virtual Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken) =>
        Task.FromResult<JsonNode?>(null);

    /// <summary>Attribute <paramref name="name"/> of a live resource as its API shows it: <c>show</c> is the whole of it.</summary>
    protected static JsonNode? Shown(JsonNode? live, string name) => name == "show" ? live?.DeepClone() : live?[name]?.DeepClone();

    /// <summary>Suspends the live resource (a server is suspended); most types have nothing to suspend.</summary>
    public virtual Task SuspendAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Resumes what <see cref="SuspendAsync"/> suspended.</summary>
    public virtual Task ResumeAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Checks the live resource is there and as expected, failing with what is not; returns the event's
    /// reason. Types with no live object to read say so, as Heat does.
    /// </summary>
    public virtual Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        Task.FromResult<string?>($"CHECK not supported for {Name}");

    /// <summary>After a crash during the create call: the physical id of what the call made, found by its stamp, or null.</summary>
    public virtual Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    /// <summary>The value <c>get_resource</c> gives; the physical id by default.</summary>
    public virtual string ReferenceId(string physicalId, JsonObject data) => physicalId;
}
