using CloudBox.Core.Modules;

namespace CloudBox.Databases.Datastores;

/// <summary><c>cloudbox admin datastore-add</c>: registers (or updates) a datastore version and the image its instances boot.</summary>
internal sealed class DatastoreAddCommand(DatastoreStore store) : IAdminCommand
{
    public string Name => "datastore-add";

    public string Usage => "datastore-add --datastore NAME --version NAME --image IMAGE_ID [--manager postgresql|mariadb|mysql] [--packages TEXT] [--default]";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var isDefault = false;
        for (var i = 0; i < arguments.Count; i++)
        {
            if (arguments[i] == "--default")
            {
                isDefault = true;
                continue;
            }
            if (!arguments[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= arguments.Count)
            {
                await Console.Error.WriteLineAsync($"cloudbox admin datastore-add: unexpected argument '{arguments[i]}'\nusage: cloudbox admin {Usage}");
                return 2;
            }
            values[arguments[i][2..]] = arguments[++i];
        }
        if (!values.TryGetValue("datastore", out var datastore) || !values.TryGetValue("version", out var version) || !values.TryGetValue("image", out var image))
        {
            await Console.Error.WriteLineAsync($"usage: cloudbox admin {Usage}");
            return 2;
        }
        VersionCreate request;
        try
        {
            request = DatastoreManagers.Validate(new VersionCreate(version, datastore, values.GetValueOrDefault("manager") ?? datastore, image,
                values.GetValueOrDefault("packages"), Active: true, Default: isDefault));
        }
        catch (Core.Api.ApiFault error)
        {
            await Console.Error.WriteLineAsync($"cloudbox admin datastore-add: {error.Message}");
            return 2;
        }
        var record = await store.UpsertVersionAsync(request, cancellationToken);
        await output.WriteLineAsync($"datastore {datastore} version {record.Name} ({record.Id}) boots image {record.ImageId}");
        return 0;
    }
}
