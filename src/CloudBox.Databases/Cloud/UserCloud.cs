using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Local;

namespace CloudBox.Databases.Cloud;

/// <summary>
/// The other services as one user sees them: Nova, Cinder and Neutron called in process through their
/// public APIs with a token delegated from the instance's owner, so their quotas, policies and
/// validation apply to the instances Trove builds as to anything the user builds by hand. The bodies
/// are the other services' (free-form here: this module only reads a few fields of each).
/// </summary>
internal sealed class UserCloud(LocalApi api, IDelegatedTokens tokens)
{
    public async Task<Session> ForAsync(string userId, string projectId, CancellationToken cancellationToken) =>
        new(api.CreateClient(await tokens.IssueAsync(userId, projectId, cancellationToken)), projectId);

    /// <summary>A delegated token of the owner's, for the agent to reach the owner's object store during a backup or restore.</summary>
    public ValueTask<string> TokenAsync(string userId, string projectId, CancellationToken cancellationToken) =>
        tokens.IssueAsync(userId, projectId, cancellationToken);

    /// <summary>The path of the owner's Swift account under CloudBox's URL.</summary>
    public static string SwiftAccountPath(string projectId) => $"object-store/v1/AUTH_{projectId}";

    /// <summary>The services as the caller of a request sees them, with the caller's own token.</summary>
    public Session ForToken(string token) => new(api.CreateClient(token), "");

    internal sealed class Session(HttpClient client, string projectId) : IDisposable
    {
        public void Dispose() => client.Dispose();

        // ---- Neutron ----
        public async Task<string?> FindSecurityGroupAsync(string name, CancellationToken cancellationToken)
        {
            var body = await SendAsync(HttpMethod.Get, $"network/v2.0/security-groups?name={Uri.EscapeDataString(name)}&project_id={projectId}", null, "Networking", cancellationToken);
            return body?["security_groups"]?.AsArray().FirstOrDefault()?["id"]?.GetValue<string>();
        }

        public async Task<string> CreateSecurityGroupAsync(string name, string description, CancellationToken cancellationToken)
        {
            var body = await SendAsync(HttpMethod.Post, "network/v2.0/security-groups",
                new JsonObject { ["security_group"] = new JsonObject { ["name"] = name, ["description"] = description } }, "Networking", cancellationToken);
            return body!["security_group"]!["id"]!.GetValue<string>();
        }

        public Task AddIngressRuleAsync(string groupId, int port, string cidr, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Post, "network/v2.0/security-group-rules", new JsonObject
            {
                ["security_group_rule"] = new JsonObject
                {
                    ["security_group_id"] = groupId, ["direction"] = "ingress", ["protocol"] = "tcp",
                    ["port_range_min"] = port, ["port_range_max"] = port, ["remote_ip_prefix"] = cidr,
                    ["ethertype"] = cidr.Contains(':') ? "IPv6" : "IPv4",
                },
            }, "Networking", cancellationToken, allowConflict: true);

        public Task DeleteSecurityGroupAsync(string id, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Delete, $"network/v2.0/security-groups/{id}", null, "Networking", cancellationToken, allowNotFound: true);

        // ---- Swift ----
        /// <summary>The names of the objects of <paramref name="container"/> under <paramref name="prefix"/> (none when the container does not exist), a page of at most 10,000.</summary>
        public async Task<IReadOnlyList<string>> ObjectNamesAsync(string container, string prefix, CancellationToken cancellationToken)
        {
            var body = await SendAsync(HttpMethod.Get, $"{SwiftAccountPath(projectId)}/{container}?format=json&prefix={Uri.EscapeDataString(prefix)}",
                null, "Object Storage", cancellationToken, allowNotFound: true);
            return body is JsonArray list ? list.Select(o => o!["name"]!.GetValue<string>()).ToList() : [];
        }

        public Task DeleteObjectAsync(string container, string name, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Delete, $"{SwiftAccountPath(projectId)}/{container}/{Uri.EscapeDataString(name).Replace("%2F", "/", StringComparison.Ordinal)}",
                null, "Object Storage", cancellationToken, allowNotFound: true);

        // ---- Cinder ----
        public async Task<string?> FindVolumeAsync(string name, CancellationToken cancellationToken)
        {
            var body = await SendAsync(HttpMethod.Get, $"volume/v3/{projectId}/volumes?name={Uri.EscapeDataString(name)}", null, "Volumes", cancellationToken);
            return body?["volumes"]?.AsArray().FirstOrDefault()?["id"]?.GetValue<string>();
        }

        public async Task<string> CreateVolumeAsync(string name, int size, string? type, CancellationToken cancellationToken)
        {
            var volume = new JsonObject { ["name"] = name, ["size"] = size, ["description"] = "Data volume of a database instance" };
            if (type is not null)
                volume["volume_type"] = type;
            var body = await SendAsync(HttpMethod.Post, $"volume/v3/{projectId}/volumes", new JsonObject { ["volume"] = volume }, "Volumes", cancellationToken);
            return body!["volume"]!["id"]!.GetValue<string>();
        }

        /// <summary>The volume's status, or null when it is gone.</summary>
        public async Task<string?> VolumeStatusAsync(string id, CancellationToken cancellationToken)
        {
            var body = await SendAsync(HttpMethod.Get, $"volume/v3/{projectId}/volumes/{id}", null, "Volumes", cancellationToken, allowNotFound: true);
            return body?["volume"]?["status"]?.GetValue<string>();
        }

        public Task ExtendVolumeAsync(string id, int size, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Post, $"volume/v3/{projectId}/volumes/{id}/action", new JsonObject { ["os-extend"] = new JsonObject { ["new_size"] = size } }, "Volumes", cancellationToken);

        public Task DeleteVolumeAsync(string id, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Delete, $"volume/v3/{projectId}/volumes/{id}", null, "Volumes", cancellationToken, allowNotFound: true);

        // ---- Nova ----
        public async Task<string?> FindServerAsync(string name, CancellationToken cancellationToken)
        {
            var body = await SendAsync(HttpMethod.Get, $"compute/v2.1/servers?name={Uri.EscapeDataString("^" + name + "$")}", null, "Compute", cancellationToken);
            return body?["servers"]?.AsArray().FirstOrDefault()?["id"]?.GetValue<string>();
        }

        public async Task<string> CreateServerAsync(JsonObject server, CancellationToken cancellationToken)
        {
            var body = await SendAsync(HttpMethod.Post, "compute/v2.1/servers", new JsonObject { ["server"] = server }, "Compute", cancellationToken, microversion: "2.37");
            return body!["server"]!["id"]!.GetValue<string>();
        }

        /// <summary>The server's body, or null when it is gone.</summary>
        public async Task<JsonNode?> ServerAsync(string id, CancellationToken cancellationToken) =>
            (await SendAsync(HttpMethod.Get, $"compute/v2.1/servers/{id}", null, "Compute", cancellationToken, allowNotFound: true))?["server"];

        public Task AttachVolumeAsync(string serverId, string volumeId, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Post, $"compute/v2.1/servers/{serverId}/os-volume_attachments",
                new JsonObject { ["volumeAttachment"] = new JsonObject { ["volumeId"] = volumeId } }, "Compute", cancellationToken, allowConflict: true);

        public Task ServerActionAsync(string serverId, JsonObject action, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Post, $"compute/v2.1/servers/{serverId}/action", action, "Compute", cancellationToken);

        public Task DeleteServerAsync(string id, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Delete, $"compute/v2.1/servers/{id}", null, "Compute", cancellationToken, allowNotFound: true);

        public async Task<JsonArray> FlavorsAsync(CancellationToken cancellationToken) =>
            (await SendAsync(HttpMethod.Get, "compute/v2.1/flavors/detail", null, "Compute", cancellationToken))!["flavors"]!.AsArray();

        /// <summary>A flavor by id or name, or null.</summary>
        public async Task<JsonNode?> FlavorAsync(string idOrName, CancellationToken cancellationToken)
        {
            var byId = await SendAsync(HttpMethod.Get, $"compute/v2.1/flavors/{Uri.EscapeDataString(idOrName)}", null, "Compute", cancellationToken, allowNotFound: true);
            if (byId?["flavor"] is { } flavor)
                return flavor;
            return (await FlavorsAsync(cancellationToken)).FirstOrDefault(f => f?["name"]?.GetValue<string>() == idOrName);
        }

        private async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonObject? body, string service, CancellationToken cancellationToken,
            bool allowNotFound = false, bool allowConflict = false, string? microversion = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            if (microversion is not null)
                request.Headers.Add("OpenStack-API-Version", "compute " + microversion);
            using var response = await client.SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (status == 404 && allowNotFound)
                return null;
            if (status == 409 && allowConflict)
                return null;
            if (status >= 400)
                throw new CloudCallException(status, service, FaultMessage(text));
            return text.Length == 0 ? null : JsonNode.Parse(text);
        }

        /// <summary>The message of another service's fault body (Nova/Cinder's named faults, Neutron's NeutronError), or the text itself.</summary>
        private static string FaultMessage(string text)
        {
            try
            {
                if (JsonNode.Parse(text) is JsonObject fault && fault.FirstOrDefault().Value is JsonObject inner)
                    return inner["message"]?.GetValue<string>() ?? text;
            }
            catch (System.Text.Json.JsonException)
            {
            }
            return text.Length > 500 ? text[..500] : text;
        }
    }

    /// <summary>A cloud-config document that writes the agent's configuration into the guest.</summary>
    public static string AgentUserData(string configJson)
    {
        var builder = new StringBuilder();
        builder.Append("#cloud-config\nwrite_files:\n  - path: /etc/cloudbox/guest-agent.json\n    permissions: '0600'\n    content: |\n");
        builder.Append("      ").Append(configJson).Append('\n');
        builder.Append("runcmd:\n  - [systemctl, enable, --now, cloudbox-guest-agent.service]\n");
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(builder.ToString()));
    }
}
