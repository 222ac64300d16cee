using System.Text;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.Swift;

/// <summary>Swift's bulk delete takes at most 10,000 paths (max_deletes_per_request), and a longer list deletes nothing.</summary>
public sealed class BulkBoundTests(DatabaseEngine engine) : SwiftFixture(engine)
{
    [Test]
    public async Task A_bulk_delete_of_more_than_ten_thousand_paths_is_refused_before_deleting_any()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "keep", "1");
        var body = new StringBuilder($"/{container}/keep\n");
        for (var i = 0; i < 10_000; i++)
            body.Append('/').Append(container).Append("/missing-").Append(i).Append('\n');
        using var response = await SendAsync("POST", $"{Account}?bulk-delete", AdminToken, body.ToString(), ("Content-Type", "text/plain"), ("Accept", "application/json"));
        Assert.That((int)response.StatusCode, Is.EqualTo(413));
        using var kept = await SendAsync("HEAD", $"{Account}/{container}/keep", AdminToken);
        Assert.That((int)kept.StatusCode, Is.EqualTo(200), "nothing of a refused list is deleted");
    }
}
