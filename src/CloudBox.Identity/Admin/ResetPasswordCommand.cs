using CloudBox.Core.Configuration;
using CloudBox.Core.Modules;
using CloudBox.Identity.Bootstrap;

namespace CloudBox.Identity.Admin;

/// <summary><c>cloudbox admin reset-password [--user NAME] [--password PW]</c></summary>
public sealed class ResetPasswordCommand(IdentityBootstrap bootstrap, CloudBoxOptions options) : IAdminCommand
{
    public string Name => "reset-password";

    public string Usage => "reset-password [--user NAME] [--password PW]   set a Default-domain user's password (admin by default; generated if not given), end their tokens, rewrite admin-openrc.sh";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        var user = IdentityBootstrap.AdminName;
        string? password = null;
        for (var i = 0; i < arguments.Count; i++)
        {
            switch (arguments[i])
            {
                case "--user" when i + 1 < arguments.Count:
                    user = arguments[++i];
                    break;
                case "--password" when i + 1 < arguments.Count:
                    password = arguments[++i];
                    break;
                default:
                    await output.WriteLineAsync($"cloudbox admin reset-password: unexpected argument '{arguments[i]}'");
                    return 2;
            }
        }
        try
        {
            var set = await bootstrap.ResetPasswordAsync(user, password, cancellationToken);
            if (user == IdentityBootstrap.AdminName)
                await output.WriteLineAsync($"Password of '{user}' reset; credentials written to {OpenRcFile.PathIn(options.DataDirectory)}");
            else
                await output.WriteLineAsync(password is null ? $"Password of '{user}' reset to: {set}" : $"Password of '{user}' reset.");
            return 0;
        }
        catch (InvalidOperationException error)
        {
            await output.WriteLineAsync($"cloudbox admin reset-password: {error.Message}");
            return 1;
        }
    }
}
