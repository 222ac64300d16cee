using System.Net.Sockets;
using Microsoft.Data.Sqlite;

namespace CloudBox.Hosting;

/// <summary>
/// Turns the failures a misconfigured host produces once start-up is under way (the checks in
/// <see cref="StartupChecks"/> come first, but a port can be taken between check and bind) into the
/// one line <c>cloudbox: what, the setting and the fix</c>; null for anything else, which is a bug
/// and keeps its stack trace.
/// </summary>
internal static class StartupErrors
{
    public static string? Describe(Exception error)
    {
        for (var current = error; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case StartupException startup:
                    return startup.Message;
                case OptionsException options:
                    return options.Message;
                case IOException io when io.InnerException?.GetType().Name == "AddressInUseException" || io.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase):
                    return $"{io.Message.TrimEnd('.')}, set --listen / --s3-listen to a free port or stop the process that holds it";
                case SocketException { SocketErrorCode: SocketError.AccessDenied } socket:
                    return $"cannot listen ({socket.Message}), ports below 1024 need root: set --listen / --s3-listen to a port above 1023";
                case SqliteException sqlite when sqlite.SqliteErrorCode is 8 or 14 or 26:
                    // SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_NOTADB
                    return $"the SQLite database in the data directory cannot be used ({sqlite.Message.ReplaceLineEndings(" ")}), check the file's owner and mode or set --data-dir (CLOUDBOX_DATA_DIR)";
                case UnauthorizedAccessException denied:
                    return $"{denied.Message.TrimEnd('.')}, run as the data directory's owner or root, or set --data-dir (CLOUDBOX_DATA_DIR)";
            }
        }
        return null;
    }
}
