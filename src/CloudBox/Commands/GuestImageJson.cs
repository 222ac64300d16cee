using System.Text.Json.Serialization;

namespace CloudBox.Commands;

// The request bodies 'admin guest-image' sends to Keystone, Glance and Nova.
internal sealed record TokenRequest(TokenAuth Auth);
internal sealed record TokenAuth(TokenIdentity Identity, TokenScope Scope);
internal sealed record TokenIdentity(string[] Methods, PasswordMethod Password);
internal sealed record PasswordMethod(PasswordUser User);
internal sealed record PasswordUser(string Name, DomainName Domain, string Password);
internal sealed record DomainName(string Name);
internal sealed record TokenScope(ScopeProject Project);
internal sealed record ScopeProject(string Name, DomainName Domain);
internal sealed record FlavorRequest(FlavorBody Flavor);
internal sealed record FlavorBody(string Name, int Ram, int Vcpus, int Disk);
internal sealed record KeyPairRequest(KeyPairBody Keypair);
internal sealed record KeyPairBody(string Name, string? PublicKey);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(FlavorRequest))]
[JsonSerializable(typeof(KeyPairRequest))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class GuestImageJson : JsonSerializerContext;
