using BenchmarkDotNet.Attributes;
using CloudBox.Core.Configuration;
using CloudBox.Core.Api.Auth;
using CloudBox.Hosting;
using CloudBox.Identity;
using CloudBox.Identity.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Benchmarks.Identity;

/// <summary>
/// In-process token validation, as every request of every service pays it: open the sealed
/// token, check expiry and revocation, resolve user, scope and roles (cached). Runs against a
/// real bootstrapped Identity module on SQLite. Goal: well under 10 µs.
/// </summary>
[MemoryDiagnoser]
public class TokenValidationBenchmarks
{
    private WebApplication _app = null!;
    private ITokenValidator _validator = null!;
    private TokenKeyRepository _keys = null!;
    private string _token = "";
    private TokenPayload _payload = null!;
    private string _dataDirectory = "";

    [GlobalSetup]
    public async Task Setup()
    {
        _dataDirectory = Directory.CreateTempSubdirectory("cloudbox-bench-").FullName;
        var options = new CloudBoxOptions { DataDirectory = _dataDirectory, ListenUrl = "http://127.0.0.1:0", PublicUrl = "http://127.0.0.1:1", AdminPassword = "bench" };
        _app = CloudBoxHost.Build(options, [new IdentityModule(new IdentitySettings { PasswordIterations = 1000 })]);
        await CloudBoxHost.PrepareAsync(_app.Services, CancellationToken.None);
        var tokens = _app.Services.GetRequiredService<TokenService>();
        _validator = _app.Services.GetRequiredService<ITokenValidator>();
        _keys = _app.Services.GetRequiredService<TokenKeyRepository>();
        var users = _app.Services.GetRequiredService<CloudBox.Identity.Users.UserStore>();
        var projects = _app.Services.GetRequiredService<CloudBox.Identity.Projects.ProjectStore>();
        var admin = await users.FindByNameAsync("admin", "default");
        var project = await projects.FindByNameAsync("admin", "default");
        var issued = await tokens.IssueAsync(AuthMethods.Password, admin!.Id, TokenScope.Project, project!.Id, null, null, null, CancellationToken.None);
        _token = issued.Token;
        _payload = issued.Payload;
        if (await _validator.ValidateAsync(_token, CancellationToken.None) is null)
            throw new InvalidOperationException("benchmark token does not validate");
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    /// <summary>The whole check a request pays.</summary>
    [Benchmark]
    public ValueTask<CallerContext?> Validate() => _validator.ValidateAsync(_token, CancellationToken.None);

    /// <summary>Only the cryptography: base64url decode and AES-GCM open.</summary>
    [Benchmark]
    public bool OpenSealedToken() => TokenFormat.TryOpen(_token, _keys, out _);

    /// <summary>Sealing a new token (the crypto part of POST /v3/auth/tokens, without the password hash).</summary>
    [Benchmark]
    public string SealToken() => TokenFormat.Seal(_payload, _keys.Primary);
}
