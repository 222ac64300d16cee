using System.Text.Json;
using CloudBox.Core.Data;
using CloudBox.Images.Data;
using Dapper;

namespace CloudBox.Images.Images;

/// <summary>The <c>images_images</c> table. Status changes are compare-and-set so two uploads cannot both win.</summary>
public sealed class ImageStore(Database database)
{
    private const string Columns =
        "id, name, status, visibility, protected, os_hidden, owner, disk_format, container_format, size, virtual_size, " +
        "checksum, os_hash_algo, os_hash_value, min_disk, min_ram, properties, tags, created_at, updated_at";

    public Database Database => database;

    public async Task<bool> InsertAsync(ImageRecord image, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO images_images ({Columns}) VALUES (@Id, @Name, @Status, @Visibility, @Protected, @OsHidden, @Owner, @DiskFormat, " +
                "@ContainerFormat, @Size, @VirtualSize, @Checksum, @OsHashAlgo, @OsHashValue, @MinDisk, @MinRam, @Properties, @Tags, @CreatedAt, @UpdatedAt)",
                ToRow(image), cancellationToken: cancellationToken));
            return true;
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    public async Task<ImageRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ImageRow>(new CommandDefinition(
            $"SELECT {Columns} FROM images_images WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    /// <summary>Every image the project may see in some listing: public, community, its own and those shared with it; all for admins.</summary>
    public async Task<IReadOnlyList<ImageRecord>> ListVisibleAsync(string? projectId, bool all, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = all
            ? $"SELECT {Columns} FROM images_images"
            : $"SELECT {Columns} FROM images_images WHERE visibility IN ('public', 'community') OR owner = @projectId " +
              "OR id IN (SELECT image_id FROM images_members WHERE member_id = @projectId)";
        var rows = await connection.QueryAsync<ImageRow>(new CommandDefinition(sql, new { projectId }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    /// <summary>Writes the mutable attributes when the image is still in <paramref name="expectedStatus"/>; false when it moved on.</summary>
    public async Task<bool> UpdateAsync(ImageRecord image, string expectedStatus, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(ToRow(image));
        parameters.Add("expectedStatus", expectedStatus);
        await using var connection = await database.OpenAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE images_images SET name = @Name, status = @Status, visibility = @Visibility, protected = @Protected, os_hidden = @OsHidden, " +
            "owner = @Owner, disk_format = @DiskFormat, container_format = @ContainerFormat, size = @Size, virtual_size = @VirtualSize, " +
            "checksum = @Checksum, os_hash_algo = @OsHashAlgo, os_hash_value = @OsHashValue, min_disk = @MinDisk, min_ram = @MinRam, " +
            "properties = @Properties, tags = @Tags, updated_at = @UpdatedAt WHERE id = @Id AND status = @expectedStatus",
            parameters, cancellationToken: cancellationToken));
        return changed == 1;
    }

    /// <summary>Moves the image from one status to another; false when it was not in <paramref name="from"/>.</summary>
    public async Task<bool> TransitionAsync(string id, string from, string to, string now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE images_images SET status = @to, updated_at = @now WHERE id = @id AND status = @from",
            new { id, from, to, now }, cancellationToken: cancellationToken));
        return changed == 1;
    }

    public async Task<IReadOnlyList<ImageRecord>> ListByStatusAsync(string status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ImageRow>(new CommandDefinition(
            $"SELECT {Columns} FROM images_images WHERE status = @status", new { status }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync("DELETE FROM images_members WHERE image_id = @id", new { id }, transaction);
            await connection.ExecuteAsync("DELETE FROM images_tasks WHERE image_id = @id", new { id }, transaction);
            return await connection.ExecuteAsync("DELETE FROM images_images WHERE id = @id", new { id }, transaction) == 1;
        }, cancellationToken);

    private static object ToRow(ImageRecord image) => new
    {
        image.Id, image.Name, image.Status, image.Visibility, image.Protected, image.OsHidden, image.Owner, image.DiskFormat,
        image.ContainerFormat, image.Size, image.VirtualSize, image.Checksum, image.OsHashAlgo, image.OsHashValue, image.MinDisk,
        image.MinRam, Properties = JsonSerializer.Serialize(image.Properties, ImagesJsonContext.Default.DictionaryStringString),
        Tags = JsonSerializer.Serialize(image.Tags, ImagesJsonContext.Default.ListString), image.CreatedAt, image.UpdatedAt,
    };

    private sealed class ImageRow
    {
        public string Id { get; set; } = "";
        public string? Name { get; set; }
        public string Status { get; set; } = "";
        public string Visibility { get; set; } = "";
        public bool Protected { get; set; }
        public bool OsHidden { get; set; }
        public string? Owner { get; set; }
        public string? DiskFormat { get; set; }
        public string? ContainerFormat { get; set; }
        public long? Size { get; set; }
        public long? VirtualSize { get; set; }
        public string? Checksum { get; set; }
        public string? OsHashAlgo { get; set; }
        public string? OsHashValue { get; set; }
        public int MinDisk { get; set; }
        public int MinRam { get; set; }
        public string Properties { get; set; } = "{}";
        public string Tags { get; set; } = "[]";
        public string CreatedAt { get; set; } = "";
        public string UpdatedAt { get; set; } = "";

        public ImageRecord ToRecord() => new()
        {
            Id = Id, Name = Name, Status = Status, Visibility = Visibility, Protected = Protected, OsHidden = OsHidden, Owner = Owner,
            DiskFormat = DiskFormat, ContainerFormat = ContainerFormat, Size = Size, VirtualSize = VirtualSize, Checksum = Checksum,
            OsHashAlgo = OsHashAlgo, OsHashValue = OsHashValue, MinDisk = MinDisk, MinRam = MinRam,
            Properties = new Dictionary<string, string>(
                JsonSerializer.Deserialize(Properties, ImagesJsonContext.Default.DictionaryStringString) ?? [], StringComparer.Ordinal),
            Tags = JsonSerializer.Deserialize(Tags, ImagesJsonContext.Default.ListString) ?? [],
            CreatedAt = CreatedAt, UpdatedAt = UpdatedAt,
        };
    }
}
