using System.Reflection;
using System.Runtime.InteropServices;

namespace CloudBox.Hosting;

/// <summary>
/// Where the embedded database's native SQLite comes from. A single-file .NET bundle cannot load a
/// native library from inside itself (only NativeAOT links one in): bundling <c>libe_sqlite3.so</c>
/// means extracting it to disk at every new version. The published <c>cloudbox</c> instead loads the
/// system's <c>libsqlite3.so.0</c> (Debian's libsqlite3-0, a dependency of the .deb), which exports
/// the same C API; a build output that has <c>libe_sqlite3.so</c> beside it (dotnet build, tests) keeps using that.
/// </summary>
internal static class SqliteNativeLibrary
{
    public const string SystemLibrary = "libsqlite3.so.0";

    public static void UseSystemLibraryWhenNotBundled()
    {
        var provider = typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly;
        NativeLibrary.SetDllImportResolver(provider, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "e_sqlite3" || File.Exists(Path.Combine(AppContext.BaseDirectory, "libe_sqlite3.so")))
            return IntPtr.Zero;
        if (NativeLibrary.TryLoad(SystemLibrary, out var handle))
            return handle;
        throw new StartupException(
            $"SQLite is missing ({SystemLibrary} not found), install it (apt-get install libsqlite3-0) or set --database to a PostgreSQL connection string");
    }
}
