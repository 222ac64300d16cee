namespace CloudBox.Compute.ServerGroups;

/// <summary>One server group as stored: a single policy and its rules (JSON object, e.g. <c>{"max_server_per_host": 2}</c>).</summary>
public sealed class ServerGroupRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string Policy { get; set; } = "";
    public string Rules { get; set; } = "{}";
    public string CreatedAt { get; set; } = "";

    /// <summary>The server ids of its members, oldest first (filled by the store).</summary>
    public List<string> Members { get; set; } = [];
}
