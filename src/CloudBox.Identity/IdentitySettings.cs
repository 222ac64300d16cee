using CloudBox.Identity.Passwords;

namespace CloudBox.Identity;

/// <summary>Tunables of the Identity module, with Keystone's defaults.</summary>
public sealed class IdentitySettings
{
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often the token keys rotate on their own; Keystone operators commonly rotate daily.</summary>
    public TimeSpan KeyRotationInterval { get; init; } = TimeSpan.FromDays(1);

    /// <summary>PBKDF2 cost for new password hashes. Tests lower it; production keeps the default.</summary>
    public int PasswordIterations { get; init; } = PasswordHasher.DefaultIterations;
}
