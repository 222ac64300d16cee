using CloudBox.Core.Data;

namespace CloudBox.Compute.Consoles;

/// <summary>One-time serial console tokens: stored hashed, valid for <see cref="ConsoleTokenStore.Lifetime"/>, deleted when used.</summary>
internal static class ConsoleSchema
{
    public static readonly Migration Tokens = new(7, "one-time serial console tokens",
        """
        CREATE TABLE compute_console_tokens (
            token_hash TEXT PRIMARY KEY,
            server_id TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE INDEX compute_console_tokens_expires_at ON compute_console_tokens (expires_at);
        """);
}
