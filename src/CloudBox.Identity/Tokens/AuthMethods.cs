namespace CloudBox.Identity.Tokens;

/// <summary>The authentication methods a token was obtained with (the <c>methods</c> list of the token body).</summary>
[Flags]
public enum AuthMethods : byte
{
    None = 0,
    Password = 1,
    Token = 2,
    ApplicationCredential = 4,

    // Keystone spells the methods with these names on the wire.
}

public static class AuthMethodNames
{
    public static IReadOnlyList<string> ToList(AuthMethods methods)
    {
        var names = new List<string>(2);
        if (methods.HasFlag(AuthMethods.Password))
            names.Add("password");
        if (methods.HasFlag(AuthMethods.Token))
            names.Add("token");
        if (methods.HasFlag(AuthMethods.ApplicationCredential))
            names.Add("application_credential");
        return names;
    }
}
