using System.Text.Json.Nodes;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Data;
using CloudBox.Core.Images;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Images.Tests;

/// <summary>The in-process door other modules use: same visibility as the API, and images from files.</summary>
public sealed class ImageSourceTests(DatabaseEngine engine) : ImagesFixture(engine)
{
    private static CallerContext Caller(string projectId, params string[] roles) => new()
    {
        Token = "", UserId = "u", UserName = "u", UserDomainId = "default", UserDomainName = "Default", ProjectId = projectId,
        Roles = roles.Select(r => new RoleReference(r, r)).ToList(),
    };

    [Test]
    public async Task Finds_only_images_the_caller_may_see()
    {
        var source = Cloud.Services.GetRequiredService<IImageSource>();
        var name = Unique("private");
        var id = (await CreateImageAsync(AdminToken, new JsonObject { ["name"] = name, ["visibility"] = "private" }))["id"]!.GetValue<string>();
        var owner = (await ShowAsync(AdminToken, id))["owner"]!.GetValue<string>();

        Assert.That(await source.FindAsync(id, Caller(owner, "member"), default), Is.Not.Null);
        Assert.That(await source.FindAsync(id, Caller("someone-else", "member"), default), Is.Null);
        Assert.That(await source.FindByNameAsync(name, Caller(owner, "member"), default), Has.Count.EqualTo(1));
        Assert.That(await source.FindByNameAsync(name, Caller("someone-else", "member"), default), Is.Empty);
    }

    [Test]
    public async Task Creates_an_active_image_from_a_file()
    {
        var source = Cloud.Services.GetRequiredService<IImageSource>();
        var file = Path.GetTempFileName();
        var data = RandomBytes(70_000);
        await File.WriteAllBytesAsync(file, data);
        try
        {
            var image = await source.CreateFromFileAsync(Unique("snap"), "raw", file, new Dictionary<string, string> { ["image_type"] = "snapshot" }, Caller("proj-x", "member"), default);
            Assert.That(image.Status, Is.EqualTo("active"));
            Assert.That(image.Size, Is.EqualTo(data.Length));
            Assert.That(image.Properties["image_type"], Is.EqualTo("snapshot"));
            await using var stream = source.OpenData(image.Id);
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.That(copy.ToArray(), Is.EqualTo(data));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
