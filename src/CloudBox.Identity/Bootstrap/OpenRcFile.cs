using System.Text;
using CloudBox.Linux.FileSystem;

namespace CloudBox.Identity.Bootstrap;

/// <summary>The operator's credentials file, <c>DATA/admin-openrc.sh</c> (0600), sourced before using <c>openstack</c>.</summary>
public static class OpenRcFile
{
    public const string FileName = "admin-openrc.sh";

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    /// <summary>The file's text; <paramref name="caCertificate"/> (a self-signed cloud's certificate) becomes OS_CACERT.</summary>
    public static string Render(string authUrl, string userName, string password, string projectName, string regionName, string? caCertificate = null)
    {
        var text = new StringBuilder();
        text.AppendLine("# CloudBox credentials for the cloud administrator. Use: . ./admin-openrc.sh && openstack token issue");
        text.AppendLine($"export OS_AUTH_URL={Quote(authUrl)}");
        text.AppendLine($"export OS_USERNAME={Quote(userName)}");
        text.AppendLine($"export OS_PASSWORD={Quote(password)}");
        text.AppendLine($"export OS_PROJECT_NAME={Quote(projectName)}");
        text.AppendLine("export OS_USER_DOMAIN_NAME=Default");
        text.AppendLine("export OS_PROJECT_DOMAIN_NAME=Default");
        text.AppendLine("export OS_IDENTITY_API_VERSION=3");
        text.AppendLine($"export OS_REGION_NAME={Quote(regionName)}");
        text.AppendLine("export OS_INTERFACE=public");
        if (caCertificate is not null)
            text.AppendLine($"export OS_CACERT={Quote(caCertificate)}");
        return text.ToString();
    }

    /// <summary>Replaces the file whole and durably, mode 0600 from the start.</summary>
    public static void Write(string dataDirectory, string content)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = PathIn(dataDirectory);
        AtomicFile.WriteAllText(path, content, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
