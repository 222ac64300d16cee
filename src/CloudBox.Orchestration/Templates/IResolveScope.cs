using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Templates;

/// <summary>What the intrinsic functions read: the stack's parameters, resources, attributes, files and conditions.</summary>
internal interface IResolveScope
{
    JsonNode? GetParam(string name, string path);

    /// <summary>The resource's reference id (its physical id, or its name before it exists).</summary>
    JsonNode? GetResource(string name, string path);

    /// <summary>The attribute, already fetched for this resolution; <paramref name="attribute"/> null means all of them.</summary>
    JsonNode? GetAttr(string resource, string? attribute, string path);

    string GetFile(string key, string path);

    JsonNode? ResourceFacade(string kind, string path);

    bool Condition(string name, string path);
}
