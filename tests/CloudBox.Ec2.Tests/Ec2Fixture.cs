using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Compute;
using CloudBox.Compute.Tests;
using CloudBox.Core.Data;
using CloudBox.Images;
using CloudBox.Networking;
using CloudBox.Testing;
using CloudBox.Volumes;

namespace CloudBox.Ec2.Tests;

/// <summary>
/// One cloud per engine with Identity, Images, Compute (on the in-process fake driver), Volumes,
/// Networking (data plane off, with an external network) and EC2; a fresh project and EC2 credential per test class.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public abstract class Ec2Fixture(DatabaseEngine engine)
{
    protected TestCloud Cloud { get; private set; } = null!;
    protected string AdminToken { get; private set; } = "";
    protected string ImageId { get; private set; } = "";
    protected string ProjectId { get; private set; } = "";
    protected string UserToken { get; private set; } = "";
    protected Ec2Client Ec2 { get; private set; } = null!;
    protected DatabaseEngine Engine => engine;

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        Cloud = await TestCloud.StartAsync(engine, [
            new ImagesModule(),
            new ComputeModule(new ComputeSettings
            {
                Driver = _ => new InProcessFakeDriver(),
                HostName = "test-node",
                BuildPollInterval = TimeSpan.FromMilliseconds(100),
                PowerSyncInterval = TimeSpan.FromMilliseconds(300),
            }),
            new VolumesModule(),
            new NetworkingModule(new NetworkSettings { DataPlane = false }),
            new Ec2Module(),
        ]);
        AdminToken = await Cloud.AdminTokenAsync();
        ImageId = await BootableImageAsync();
        await ExternalNetworkAsync();
        var project = Unique("ec2p");
        var (projectId, userId) = await Cloud.CreateUserWithRoleAsync(AdminToken, project, Unique("ec2u"), "pw", "member");
        ProjectId = projectId;
        UserToken = await Cloud.TokenAsync((await UserNameAsync(userId))!, "pw", project);
        var (_, created, _) = await Cloud.SendAsync(HttpMethod.Post, $"/identity/v3/users/{userId}/credentials/OS-EC2", AdminToken,
            new JsonObject { ["tenant_id"] = projectId });
        var credential = created!["credential"]!;
        Ec2 = new Ec2Client(Cloud.Options.Ec2PublicUrl, credential["access"]!.GetValue<string>(), credential["secret"]!.GetValue<string>());
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await Cloud.DisposeAsync();

    protected static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string?> UserNameAsync(string userId)
    {
        var (_, body, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/users/{userId}", AdminToken);
        return body?["user"]?["name"]?.GetValue<string>();
    }

    private async Task ExternalNetworkAsync()
    {
        var (status, network, _) = await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0/networks", AdminToken,
            new JsonObject { ["network"] = new JsonObject { ["name"] = "ext", ["router:external"] = true } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), network?.ToJsonString());
        var (subnetStatus, subnet, _) = await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0/subnets", AdminToken, new JsonObject
        {
            ["subnet"] = new JsonObject { ["network_id"] = network!["network"]!["id"]!.GetValue<string>(), ["cidr"] = "100.64.10.0/24", ["ip_version"] = 4, ["enable_dhcp"] = false },
        });
        Assert.That(subnetStatus, Is.EqualTo(HttpStatusCode.Created), subnet?.ToJsonString());
    }

    private async Task<string> BootableImageAsync()
    {
        var kernel = await Cloud.UploadImageAsync(AdminToken, new JsonObject { ["name"] = Unique("kernel"), ["disk_format"] = "aki", ["container_format"] = "aki", ["visibility"] = "public" }, new byte[4096]);
        var ramdisk = await Cloud.UploadImageAsync(AdminToken, new JsonObject { ["name"] = Unique("ramdisk"), ["disk_format"] = "ari", ["container_format"] = "ari", ["visibility"] = "public" }, new byte[4096]);
        return await Cloud.UploadImageAsync(AdminToken, new JsonObject
        {
            ["name"] = Unique("disk"), ["disk_format"] = "raw", ["container_format"] = "bare", ["visibility"] = "public",
            ["kernel_id"] = kernel, ["ramdisk_id"] = ramdisk, ["os_command_line"] = "console=ttyS0 root=/dev/vda",
        }, new byte[2 << 20]);
    }

    /// <summary>The EC2 id of the bootable image (from DescribeImages by name).</summary>
    protected async Task<string> AmiAsync()
    {
        var (_, image, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{ImageId}", AdminToken);
        var name = image!["name"]!.GetValue<string>();
        var answer = await Ec2.OkAsync("DescribeImages", ("Filter.1.Name", "name"), ("Filter.1.Value.1", name));
        return answer.All("imageId").Single().Value;
    }

    /// <summary>Polls DescribeInstances until the instance is in <paramref name="state"/>.</summary>
    protected async Task<Ec2Client.Answer> WaitForStateAsync(string instanceId, string state, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        Ec2Client.Answer answer;
        do
        {
            answer = await Ec2.OkAsync("DescribeInstances", ("InstanceId.1", instanceId));
            if (answer.First("instanceState") is not null && answer.All("instanceState").Single().Element(Ec2Client.Ns + "name")!.Value == state)
                return answer;
            await Task.Delay(150);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"{instanceId} did not reach {state}: {answer.Text}");
        return answer;
    }
}
