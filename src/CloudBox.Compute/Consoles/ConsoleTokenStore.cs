using System.Security.Cryptography;
using System.Text;
using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using Dapper;

namespace CloudBox.Compute.Consoles;

/// <summary>Issues and consumes the one-time tokens in serial console URLs.</summary>
internal sealed class ConsoleTokenStore(Database database, TimeProvider clock)
{
    /// <summary>How long a console URL may wait before it is opened (Nova's default is 10 minutes; a browser opens it at once).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public async Task<string> IssueAsync(string serverId, CancellationToken cancellationToken)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var now = clock.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM compute_console_tokens WHERE expires_at <= @now",
            new { now = Timestamps.ToStorage(now) }, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO compute_console_tokens (token_hash, server_id, expires_at) VALUES (@hash, @serverId, @expires)",
            new { hash = Hash(token), serverId, expires = Timestamps.ToStorage(now + Lifetime) }, cancellationToken: cancellationToken));
        return token;
    }

    /// <summary>The server a live token is for, deleting the token so it works once; null for an unknown, used or expired one.</summary>
    public async Task<string?> ConsumeAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length is 0 or > 128) return null;
        var hash = Hash(token);
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string ServerId, string ExpiresAt)>(new CommandDefinition(
            "SELECT server_id, expires_at FROM compute_console_tokens WHERE token_hash = @hash", new { hash }, cancellationToken: cancellationToken));
        if (row.ServerId is null) return null;
        var deleted = await connection.ExecuteAsync(new CommandDefinition("DELETE FROM compute_console_tokens WHERE token_hash = @hash", new { hash }, cancellationToken: cancellationToken));
        if (deleted != 1) return null; // another request used it first
        return string.CompareOrdinal(row.ExpiresAt, Timestamps.ToStorage(clock.GetUtcNow())) > 0 ? row.ServerId : null;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));
}
