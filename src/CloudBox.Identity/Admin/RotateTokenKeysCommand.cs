using CloudBox.Core.Modules;
using CloudBox.Identity.Tokens;

namespace CloudBox.Identity.Admin;

/// <summary><c>cloudbox admin rotate-token-keys</c>: promote the staged key; tokens sealed with retired keys stop working.</summary>
public sealed class RotateTokenKeysCommand(TokenKeyRepository keys) : IAdminCommand
{
    public string Name => "rotate-token-keys";

    public string Usage => "rotate-token-keys                              rotate the token sealing keys now (a running server picks it up within seconds)";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        keys.Rotate();
        await output.WriteLineAsync($"Token keys rotated; primary key is now {keys.Primary.Id}, active keys: {string.Join(", ", keys.KeyIds)}");
        return 0;
    }
}
