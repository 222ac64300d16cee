using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Images.Members;

/// <summary>The <c>images_members</c> table: image sharing between projects.</summary>
public sealed class MemberStore(Database database)
{
    public async Task<MemberRecord?> FindAsync(string imageId, string memberId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<MemberRecord>(new CommandDefinition(
            "SELECT image_id, member_id, status, created_at, updated_at FROM images_members WHERE image_id = @imageId AND member_id = @memberId",
            new { imageId, memberId }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<MemberRecord>> ListAsync(string imageId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<MemberRecord>(new CommandDefinition(
            "SELECT image_id, member_id, status, created_at, updated_at FROM images_members WHERE image_id = @imageId ORDER BY created_at, member_id",
            new { imageId }, cancellationToken: cancellationToken));
        return rows.ToList();
    }

    /// <summary>The statuses of every share with <paramref name="memberId"/>, by image id.</summary>
    public async Task<Dictionary<string, string>> StatusesForMemberAsync(string memberId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string ImageId, string Status)>(new CommandDefinition(
            "SELECT image_id, status FROM images_members WHERE member_id = @memberId", new { memberId }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.ImageId, r => r.Status, StringComparer.Ordinal);
    }

    public async Task<bool> AddAsync(MemberRecord member, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO images_members (image_id, member_id, status, created_at, updated_at) VALUES (@ImageId, @MemberId, @Status, @CreatedAt, @UpdatedAt)",
                member, cancellationToken: cancellationToken));
            return true;
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    public async Task<bool> SetStatusAsync(string imageId, string memberId, string status, string now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE images_members SET status = @status, updated_at = @now WHERE image_id = @imageId AND member_id = @memberId",
            new { imageId, memberId, status, now }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> DeleteAsync(string imageId, string memberId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM images_members WHERE image_id = @imageId AND member_id = @memberId",
            new { imageId, memberId }, cancellationToken: cancellationToken)) == 1;
    }
}
