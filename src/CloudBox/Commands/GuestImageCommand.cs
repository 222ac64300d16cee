using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudBox.Core.Configuration;
using CloudBox.Hosting;

namespace CloudBox.Commands;

/// <summary>
/// <c>cloudbox admin guest-image</c>: a first VM in one command. Builds the Debian 12 cloud guest from Debian's
/// packages (the embedded <c>packaging/guest/build-debian-image.sh</c>: debootstrap, cloud-init, openssh-server, the
/// cloud kernel; cached, so a second run only registers), then, as the administrator of the running cloud and through
/// its public APIs only, registers its kernel, initrd and disk as images with the command line the disk needs, picks
/// (or makes) a flavor the disk fits, and creates a key pair. What exists already (an image or key pair of that name)
/// is kept, so the command can be run again.
/// </summary>
public static class GuestImageCommand
{
    public const string Usage = "guest-image [--name N] [--size 3G] [--key-name K] [--public-key FILE]  build Debian 12 from Debian's packages and register it, with a flavor and a key pair, in the running cloud";

    private const string ScriptResource = "build-debian-image.sh";

    public static async Task<int> RunAsync(CloudBoxOptions options, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var request = Parse(arguments);
        StartupChecks.CloudExists(options);
        await using var cloud = await AdminSession.OpenAsync(options.DataDirectory, cancellationToken);

        var directory = await BuildAsync(request.Size, cancellationToken);
        var disk = Path.Combine(directory, "debian-bookworm.raw");
        var commandLine = (await File.ReadAllTextAsync(Path.Combine(directory, "cmdline"), cancellationToken)).Trim();

        var kernel = await cloud.EnsureImageAsync($"{request.Name}-kernel", "aki", "aki", Path.Combine(directory, "vmlinuz"), [], cancellationToken);
        var initrd = await cloud.EnsureImageAsync($"{request.Name}-initrd", "ari", "ari", Path.Combine(directory, "initrd.img"), [], cancellationToken);
        await cloud.EnsureImageAsync(request.Name, "raw", "bare", disk,
            [("kernel_id", kernel), ("ramdisk_id", initrd), ("os_command_line", commandLine), ("os_distro", "debian"), ("os_version", "12")],
            cancellationToken);
        var flavor = await cloud.FlavorForAsync(new FileInfo(disk).Length, cancellationToken);
        var privateKey = await cloud.EnsureKeyPairAsync(request.KeyName, request.PublicKeyFile, options.DataDirectory, cancellationToken);

        Console.WriteLine($"image {request.Name}: kernel, initrd and a {new FileInfo(disk).Length >> 30} GiB disk (boots with '{commandLine}')");
        Console.WriteLine($"flavor {flavor}: fits the disk");
        Console.WriteLine(privateKey is null ? $"key pair {request.KeyName}" : $"key pair {request.KeyName}: its private key is {privateKey}");
        Console.WriteLine($"next: openstack --os-compute-api-version 2.37 server create vm1 --image {request.Name} --flavor {flavor} --key-name {request.KeyName} --nic none --wait");
        return 0;
    }

    private sealed record Request(string Name, string Size, string KeyName, string? PublicKeyFile);

    private static Request Parse(IReadOnlyList<string> arguments)
    {
        var request = new Request("debian-12", "3G", "default", null);
        for (var i = 0; i < arguments.Count; i++)
        {
            var option = arguments[i];
            string Value() => i + 1 < arguments.Count ? arguments[++i] : throw new OptionsException($"admin guest-image: {option} needs a value");
            request = option switch
            {
                "--name" => request with { Name = Name(Value(), option) },
                "--key-name" => request with { KeyName = Name(Value(), option) },
                "--size" => request with { Size = System.Text.RegularExpressions.Regex.IsMatch(Value(), "^[1-9][0-9]{0,3}[MG]$") ? arguments[i] : throw new OptionsException($"admin guest-image: --size takes a size such as 3G or 4096M, not '{arguments[i]}'") },
                "--public-key" => request with { PublicKeyFile = File.Exists(Value()) ? arguments[i] : throw new OptionsException($"admin guest-image: --public-key {arguments[i]} does not exist") },
                _ => throw new OptionsException($"admin guest-image: unknown argument '{option}'; usage: cloudbox admin {Usage}"),
            };
        }
        return request;
    }

    private static string Name(string value, string option) =>
        value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? value
            : throw new OptionsException($"admin guest-image: {option} takes 1 to 64 letters, digits, '-', '_' or '.', not '{value}'");

    /// <summary>Runs the embedded build script (its progress on stderr); returns the directory it printed last.</summary>
    private static async Task<string> BuildAsync(string size, CancellationToken cancellationToken)
    {
        if (Environment.UserName != "root")
            throw new StartupException("admin guest-image builds the guest with debootstrap and needs root, run it as root");
        var script = Path.Combine(Path.GetTempPath(), $"cloudbox-{ScriptResource}-{Environment.ProcessId}");
        await using (var resource = typeof(GuestImageCommand).Assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"the {ScriptResource} resource is missing from this build"))
        await using (var file = File.Create(script))
            await resource.CopyToAsync(file, cancellationToken);
        try
        {
            var start = new ProcessStartInfo("sh", [script, size]) { RedirectStandardOutput = true, UseShellExecute = false };
            using var process = Process.Start(start) ?? throw new StartupException("cannot run sh, install dash or bash");
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var directory = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim();
            if (process.ExitCode != 0 || directory is null || !Directory.Exists(directory))
                throw new StartupException($"building the Debian guest failed (exit {process.ExitCode}; its last lines are above), fix what they name and run 'cloudbox admin guest-image' again");
            return directory;
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>The administrator's session with the running cloud: a token from the openrc the first start wrote, and the catalog's URLs.</summary>
    private sealed class AdminSession : IAsyncDisposable
    {
        private readonly HttpClient _http;
        private readonly string _compute;
        private readonly string _image;

        private AdminSession(HttpClient http, string compute, string image)
        {
            _http = http;
            _compute = compute;
            _image = image;
        }

        public static async Task<AdminSession> OpenAsync(string dataDirectory, CancellationToken cancellationToken)
        {
            var openrc = Path.Combine(dataDirectory, "admin-openrc.sh");
            if (!File.Exists(openrc))
                throw new StartupException($"{openrc} does not exist, run 'cloudbox admin reset-password' to write it");
            var settings = File.ReadLines(openrc)
                .Select(line => line.StartsWith("export ", StringComparison.Ordinal) ? line[7..].Split('=', 2) : [])
                .Where(pair => pair.Length == 2)
                .ToDictionary(pair => pair[0], pair => Unquote(pair[1]));
            string Setting(string name) => settings.TryGetValue(name, out var value) ? value : throw new StartupException($"{openrc} has no {name}, run 'cloudbox admin reset-password' to write it again");

            var http = new HttpClient { Timeout = TimeSpan.FromHours(1) };
            try
            {
                var login = new TokenRequest(new TokenAuth(new TokenIdentity(["password"], new PasswordMethod(new PasswordUser(Setting("OS_USERNAME"), new DomainName(Setting("OS_USER_DOMAIN_NAME")), Setting("OS_PASSWORD")))),
                    new TokenScope(new ScopeProject(Setting("OS_PROJECT_NAME"), new DomainName(Setting("OS_PROJECT_DOMAIN_NAME"))))));
                HttpResponseMessage response;
                try
                {
                    response = await http.PostAsJsonAsync(Setting("OS_AUTH_URL").TrimEnd('/') + "/auth/tokens", login, GuestImageJson.Default.TokenRequest, cancellationToken);
                }
                catch (HttpRequestException error)
                {
                    throw new StartupException($"cannot reach the cloud at {Setting("OS_AUTH_URL")} ({error.Message}), start 'cloudbox serve' first");
                }
                if (!response.IsSuccessStatusCode)
                    throw new StartupException($"the cloud refused the administrator's login from {openrc} ({(int)response.StatusCode}), run 'cloudbox admin reset-password'");
                var token = response.Headers.GetValues("X-Subject-Token").Single();
                using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
                string Endpoint(string type) => body.RootElement.GetProperty("token").GetProperty("catalog").EnumerateArray()
                    .Where(service => service.GetProperty("type").GetString() == type)
                    .SelectMany(service => service.GetProperty("endpoints").EnumerateArray())
                    .Where(endpoint => endpoint.GetProperty("interface").GetString() == "public")
                    .Select(endpoint => endpoint.GetProperty("url").GetString()!.TrimEnd('/'))
                    .FirstOrDefault() ?? throw new StartupException($"the cloud's catalog has no {type} service");
                http.DefaultRequestHeaders.Add("X-Auth-Token", token);
                return new AdminSession(http, Endpoint("compute"), Endpoint("image"));
            }
            catch
            {
                http.Dispose();
                throw;
            }
        }

        /// <summary>The id of the active image named <paramref name="name"/>; uploaded from <paramref name="file"/> when there is none.</summary>
        public async Task<string> EnsureImageAsync(string name, string diskFormat, string containerFormat, string file,
            IReadOnlyList<(string Key, string Value)> properties, CancellationToken cancellationToken)
        {
            using (var found = JsonDocument.Parse(await _http.GetStringAsync($"{_image}/v2/images?name={Uri.EscapeDataString(name)}&status=active", cancellationToken)))
            {
                if (found.RootElement.GetProperty("images").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } existing)
                {
                    Console.Error.WriteLine($"cloudbox: image {name} exists, kept");
                    return existing.GetProperty("id").GetString()!;
                }
            }
            var attributes = new Dictionary<string, string> { ["name"] = name, ["disk_format"] = diskFormat, ["container_format"] = containerFormat, ["visibility"] = "public" };
            foreach (var (key, value) in properties)
                attributes[key] = value;
            var created = await SucceedAsync(await _http.PostAsJsonAsync($"{_image}/v2/images", attributes, GuestImageJson.Default.DictionaryStringString, cancellationToken), $"creating image {name}", cancellationToken);
            string id;
            using (var body = JsonDocument.Parse(created))
                id = body.RootElement.GetProperty("id").GetString()!;
            Console.Error.WriteLine($"cloudbox: uploading {name} ({new FileInfo(file).Length >> 20} MiB)");
            await using var data = File.OpenRead(file);
            using var content = new StreamContent(data, 1 << 20);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            await SucceedAsync(await _http.PutAsync($"{_image}/v2/images/{id}/file", content, cancellationToken), $"uploading image {name}", cancellationToken);
            return id;
        }

        /// <summary>The smallest flavor with room for the disk and 512 MiB of memory; m1.guest is made when none has.</summary>
        public async Task<string> FlavorForAsync(long diskBytes, CancellationToken cancellationToken)
        {
            var diskGiB = (int)((diskBytes + (1L << 30) - 1) >> 30);
            using (var flavors = JsonDocument.Parse(await _http.GetStringAsync($"{_compute}/flavors/detail", cancellationToken)))
            {
                var fitting = flavors.RootElement.GetProperty("flavors").EnumerateArray()
                    .Where(f => f.GetProperty("disk").GetInt32() >= diskGiB && f.GetProperty("ram").GetInt32() >= 512)
                    .OrderBy(f => f.GetProperty("ram").GetInt32()).ThenBy(f => f.GetProperty("disk").GetInt32())
                    .Select(f => f.GetProperty("name").GetString())
                    .FirstOrDefault();
                if (fitting is not null)
                    return fitting;
            }
            var flavor = new FlavorRequest(new FlavorBody("m1.guest", 1024, 1, diskGiB));
            await SucceedAsync(await _http.PostAsJsonAsync($"{_compute}/flavors", flavor, GuestImageJson.Default.FlavorRequest, cancellationToken), "creating flavor m1.guest", cancellationToken);
            return "m1.guest";
        }

        /// <summary>
        /// Creates the key pair from <paramref name="publicKeyFile"/> (else ~/.ssh's), or has Compute generate one and keeps
        /// its private key in the data directory (0600); returns that file's path when it wrote one. An existing pair is kept.
        /// </summary>
        public async Task<string?> EnsureKeyPairAsync(string name, string? publicKeyFile, string dataDirectory, CancellationToken cancellationToken)
        {
            using (var existing = await _http.GetAsync($"{_compute}/os-keypairs/{Uri.EscapeDataString(name)}", cancellationToken))
                if (existing.IsSuccessStatusCode)
                {
                    Console.Error.WriteLine($"cloudbox: key pair {name} exists, kept");
                    return null;
                }
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            publicKeyFile ??= new[] { "id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub" }.Select(f => Path.Combine(home, ".ssh", f)).FirstOrDefault(File.Exists);
            var publicKey = publicKeyFile is null ? null : (await File.ReadAllTextAsync(publicKeyFile, cancellationToken)).Trim();
            var created = await SucceedAsync(await _http.PostAsJsonAsync($"{_compute}/os-keypairs", new KeyPairRequest(new KeyPairBody(name, publicKey)), GuestImageJson.Default.KeyPairRequest, cancellationToken),
                $"creating key pair {name}", cancellationToken);
            if (publicKey is not null)
                return null;
            using var body = JsonDocument.Parse(created);
            var path = Path.Combine(dataDirectory, $"{name}.pem");
            await File.WriteAllTextAsync(path, body.RootElement.GetProperty("keypair").GetProperty("private_key").GetString(), cancellationToken);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return path;
        }

        private static async Task<string> SucceedAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
        {
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                return response.IsSuccessStatusCode ? body : throw new StartupException($"{what} failed: {(int)response.StatusCode} {body.ReplaceLineEndings(" ")}");
            }
        }

        private static string Unquote(string value) =>
            value.Length >= 2 && value[0] == '\'' && value[^1] == '\'' ? value[1..^1].Replace("'\\''", "'", StringComparison.Ordinal) : value;

        public ValueTask DisposeAsync()
        {
            _http.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
