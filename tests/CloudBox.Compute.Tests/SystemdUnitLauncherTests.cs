using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using CloudBox.Compute.Drivers;
using Microsoft.Extensions.Logging.Abstractions;
using Tmds.DBus;

namespace CloudBox.Compute.Tests;

/// <summary>
/// The systemd launcher against a real D-Bus: a private <c>dbus-daemon</c> started by the test, on
/// which a small stand-in for systemd's Manager owns <c>org.freedesktop.systemd1</c>. It decodes what
/// the launcher sent (unit name, mode, <c>a(sv)</c> properties), runs ExecStart as a real process,
/// and answers with jobs and JobRemoved signals as systemd does. systemd itself is not PID 1 on the
/// test machines, so this is as close as they get; without dbus-daemon the tests are ignored.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SystemdUnitLauncherTests
{
    private Process? _daemon;
    private string _directory = "";
    private string _address = "";
    private Connection? _systemdSide;
    private FakeSystemdManager _manager = null!;

    [OneTimeSetUp]
    public async Task StartBus()
    {
        if (!File.Exists("/usr/bin/dbus-daemon"))
            Assert.Ignore("dbus-daemon is missing (Debian package dbus-daemon): the D-Bus path cannot be exercised");
        _directory = Directory.CreateTempSubdirectory("cloudbox-dbus-").FullName;
        var start = new ProcessStartInfo("/usr/bin/dbus-daemon", ["--session", "--nofork", "--print-address", $"--address=unix:path={_directory}/bus"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        _daemon = Process.Start(start)!;
        _daemon.ErrorDataReceived += (_, _) => { };
        _daemon.BeginErrorReadLine();
        _address = (await _daemon.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)))!.Trim();
        _systemdSide = new Connection(_address);
        await _systemdSide.ConnectAsync();
        _manager = new FakeSystemdManager();
        await _systemdSide.RegisterObjectAsync(_manager);
        await _systemdSide.RegisterServiceAsync(SystemdUnitLauncher.ManagerService);
    }

    [OneTimeTearDown]
    public void StopBus()
    {
        _manager?.KillAll();
        _systemdSide?.Dispose();
        if (_daemon is not null)
        {
            _daemon.Kill();
            _daemon.WaitForExit();
            _daemon.Dispose();
        }
        if (_directory.Length > 0)
            Directory.Delete(_directory, recursive: true);
    }

    private SystemdUnitLauncher Launcher(string? address = null) =>
        new(new ComputeSettings { SystemdBusAddress = address ?? _address, SystemdSlice = "cloudbox-vms.slice", VmMemoryOverheadMiB = 256 }, NullLogger<SystemdUnitLauncher>.Instance);

    private VmDefinition Vm()
    {
        var id = Guid.NewGuid().ToString();
        var directory = Path.Combine(_directory, id);
        Directory.CreateDirectory(directory);
        return new VmDefinition(id, directory, "/k", null, "console=ttyS0", 512, 1, []);
    }

    /// <summary>A stand-in for the VMM: a real process whose command line names the VM's control socket, as `cloudbox vmm` does.</summary>
    private static string[] CommandLine(VmDefinition vm) => ["/usr/bin/python3", "-c", "import time; time.sleep(300)", "--api-socket", vm.ApiSocketPath];

    [Test]
    public async Task Systemd_is_found_on_the_bus_when_it_owns_its_name()
    {
        Assert.That(await Launcher().UnavailableReasonAsync(CancellationToken.None), Is.Null);
        var silent = await Launcher($"unix:path={_directory}/no-such-bus").UnavailableReasonAsync(CancellationToken.None);
        Assert.That(silent, Does.Contain("does not answer"));
    }

    [Test]
    public async Task A_VM_starts_as_a_transient_unit_with_its_command_line_slice_and_memory_cap()
    {
        var vm = Vm();
        var log = Path.Combine(vm.InstanceDirectory, "vmm.log");
        var launched = await Launcher().LaunchAsync(vm, CommandLine(vm), log, CancellationToken.None);

        var call = _manager.Started.Single(c => c.Name == SystemdUnitLauncher.UnitName(vm.ServerId));
        Assert.Multiple(() =>
        {
            Assert.That(call.Name, Is.EqualTo($"cloudbox-vm-{vm.ServerId}.service"));
            Assert.That(call.Mode, Is.EqualTo("fail"));
            Assert.That(call.Properties["Description"], Is.EqualTo($"CloudBox VM {vm.ServerId}"));
            Assert.That(call.Properties["KillMode"], Is.EqualTo("mixed"));
            Assert.That(call.Properties["Type"], Is.EqualTo("exec"));
            Assert.That(call.Properties["Slice"], Is.EqualTo("cloudbox-vms.slice"));
            Assert.That(call.Properties["CollectMode"], Is.EqualTo("inactive-or-failed"));
            Assert.That(call.Properties["MemoryMax"], Is.EqualTo((ulong)(512 + 256) << 20));
            Assert.That(call.Properties["CPUQuotaPerSecUSec"], Is.EqualTo((ulong)vm.Vcpus * 1_000_000), "the flavor's vCPUs as CPU time");
            Assert.That(call.Properties["StandardOutputFileToAppend"], Is.EqualTo(log));
            Assert.That(call.Properties["TimeoutStopUSec"], Is.EqualTo(10_000_000UL));
            Assert.That(call.Properties["LimitMEMLOCK"], Is.EqualTo(ulong.MaxValue));
            // Units start with a clean environment: where serve found its runtime through DOTNET_ROOT, so must the VMM.
            var runtime = new[] { "DOTNET_ROOT", "DOTNET_ROOT_X64" }.Where(n => Environment.GetEnvironmentVariable(n) is { Length: > 0 })
                .Select(n => $"{n}={Environment.GetEnvironmentVariable(n)}").ToArray();
            if (runtime.Length > 0)
                Assert.That(call.Properties["Environment"], Is.EqualTo(runtime));
            else
                Assert.That(call.Properties.ContainsKey("Environment"), Is.False);
            // ExecStart is a(sasb): one command, its path, its whole argv (argv[0] included), no ignore-failure.
            Assert.That(call.ExecStart, Is.EqualTo(new[] { ("/usr/bin/python3", CommandLine(vm), false) }));
        });
        Assert.That(launched.Pid, Is.EqualTo(_manager.MainPid(call.Name)), "the pid is the process the unit runs");
        Assert.That(launched.ExitReason(), Is.Null);
        Assert.That(VmmProcesses.Find(vm), Is.EqualTo(launched.Pid));

        await Launcher().EndAsync(vm, CancellationToken.None);
        Assert.That(_manager.Stopped, Does.Contain((call.Name, "replace")));
        Assert.That(VmmProcesses.IsVmm(launched.Pid, vm.ApiSocketPath), Is.False, "the unit's process is gone once the stop job is done");
        Assert.That(launched.ExitReason(), Does.Contain("journalctl -u " + call.Name));
    }

    [Test]
    public async Task A_failed_start_job_is_a_driver_error_naming_the_unit()
    {
        var vm = Vm();
        _manager.FailNextStart = true;
        var error = Assert.ThrowsAsync<DriverException>(() => Launcher().LaunchAsync(vm, CommandLine(vm), Path.Combine(vm.InstanceDirectory, "vmm.log"), CancellationToken.None));
        Assert.That(error!.Message, Does.Contain($"cloudbox-vm-{vm.ServerId}.service").And.Contain("failed"));
        Assert.That(VmmProcesses.Find(vm), Is.Null);
    }

    [Test]
    public void A_bus_that_does_not_answer_is_a_driver_error_the_user_sees_as_the_fault()
    {
        var vm = Vm();
        var error = Assert.ThrowsAsync<DriverException>(() =>
            Launcher($"unix:path={_directory}/no-such-bus").LaunchAsync(vm, CommandLine(vm), Path.Combine(vm.InstanceDirectory, "vmm.log"), CancellationToken.None));
        Assert.That(error!.Message, Does.StartWith($"systemd could not start cloudbox-vm-{vm.ServerId}.service"));
    }

    [Test]
    public async Task Ending_a_VM_whose_unit_is_gone_is_a_no_op()
    {
        var vm = Vm();
        await Launcher().EndAsync(vm, CancellationToken.None);
        Assert.That(_manager.Stopped.Select(s => s.Name), Does.Contain(SystemdUnitLauncher.UnitName(vm.ServerId)));
    }

    [Test]
    public async Task A_unit_left_from_an_earlier_boot_is_cleared_and_the_VM_started_again()
    {
        var vm = Vm();
        var first = await Launcher().LaunchAsync(vm, CommandLine(vm), Path.Combine(vm.InstanceDirectory, "vmm.log"), CancellationToken.None);
        // The VM is started again while its old unit is still loaded (say, still stopping).
        var second = await Launcher().LaunchAsync(vm, CommandLine(vm), Path.Combine(vm.InstanceDirectory, "vmm.log"), CancellationToken.None);
        Assert.That(VmmProcesses.IsVmm(first.Pid, vm.ApiSocketPath), Is.False);
        Assert.That(VmmProcesses.IsVmm(second.Pid, vm.ApiSocketPath), Is.True);
        await Launcher().EndAsync(vm, CancellationToken.None);
        Assert.That(VmmProcesses.Find(vm), Is.Null);
    }

    [Test]
    public async Task Without_systemd_as_PID_1_new_VMs_are_detached_processes()
    {
        if (SystemdUnitLauncher.SystemdBooted)
            Assert.Ignore("systemd is PID 1 here: the fallback is not what this machine chooses");
        var settings = new ComputeSettings();
        var launchers = new VmLaunchers(settings, new SystemdUnitLauncher(settings, NullLogger<SystemdUnitLauncher>.Instance), new DetachedProcessLauncher(),
            NullLogger<VmLaunchers>.Instance);
        Assert.That((await launchers.PreferredAsync(CancellationToken.None)).Name, Is.EqualTo("detached"));
    }

    [Test]
    public void The_launcher_recorded_for_a_VM_is_the_one_that_ends_it()
    {
        var settings = new ComputeSettings { SystemdBusAddress = _address };
        var systemd = new SystemdUnitLauncher(settings, NullLogger<SystemdUnitLauncher>.Instance);
        var detached = new DetachedProcessLauncher();
        var launchers = new VmLaunchers(settings, systemd, detached, NullLogger<VmLaunchers>.Instance);
        var vm = Vm();
        Assert.That(launchers.RecordedFor(vm), Is.SameAs(detached), "VMs started before the record existed were detached");
        VmLaunchers.RecordAsync(vm, systemd).GetAwaiter().GetResult();
        Assert.That(launchers.RecordedFor(vm), Is.SameAs(systemd));
        Assert.That(VmLaunchers.RecordedName(vm), Is.EqualTo("systemd"));
    }

    /// <summary>What systemd's Manager does with the calls the launcher makes, on a real bus: units are real processes.</summary>
    private sealed class FakeSystemdManager : ISystemdManager
    {
        private readonly ConcurrentDictionary<string, Process> _units = new();
        private readonly ConcurrentBag<Action<(uint, ObjectPath, string, string)>> _watchers = [];
        private int _jobs;

        public ObjectPath ObjectPath => SystemdUnitLauncher.ManagerPath;
        public ConcurrentBag<StartCall> Started { get; } = [];
        public ConcurrentBag<(string Name, string Mode)> Stopped { get; } = [];
        public bool FailNextStart { get; set; }

        public int MainPid(string unit) => _units[unit].Id;

        public Task SubscribeAsync() => Task.CompletedTask;

        public Task<ObjectPath> StartTransientUnitAsync(string name, string mode, (string, object)[] properties, (string, (string, object)[])[] aux)
        {
            if (_units.ContainsKey(name))
                throw new DBusException("org.freedesktop.systemd1.UnitExists", $"Unit {name} was already loaded or has a fragment file.");
            var call = new StartCall(name, mode, properties.ToDictionary(p => p.Item1, p => p.Item2));
            Started.Add(call);
            var job = NewJob();
            if (FailNextStart)
            {
                FailNextStart = false;
                Finish(job, name, "failed");
                return Task.FromResult(job);
            }
            var (path, argv, _) = call.ExecStart.Single();
            var start = new ProcessStartInfo(path);
            foreach (var argument in argv.Skip(1))
                start.ArgumentList.Add(argument);
            _units[name] = Process.Start(start)!;
            Finish(job, name, "done");
            return Task.FromResult(job);
        }

        public Task<ObjectPath> StopUnitAsync(string name, string mode)
        {
            Stopped.Add((name, mode));
            if (!_units.TryRemove(name, out var process))
                throw new DBusException("org.freedesktop.systemd1.NoSuchUnit", $"Unit {name} not loaded.");
            process.Kill();
            process.WaitForExit();
            process.Dispose();
            var job = NewJob();
            Finish(job, name, "done");
            return Task.FromResult(job);
        }

        public Task KillUnitAsync(string name, string whom, int signal) => Task.CompletedTask;

        public Task ResetFailedUnitAsync(string name) => Task.CompletedTask;

        public Task<ObjectPath> GetUnitAsync(string name) =>
            _units.ContainsKey(name) ? Task.FromResult(new ObjectPath("/org/freedesktop/systemd1/unit/x")) : throw new DBusException("org.freedesktop.systemd1.NoSuchUnit", name);

        public Task<IDisposable> WatchJobRemovedAsync(Action<(uint id, ObjectPath job, string unit, string result)> handler, Action<Exception>? onError = null)
        {
            _watchers.Add(handler);
            return Task.FromResult<IDisposable>(new NoSubscription());
        }

        public void KillAll()
        {
            foreach (var process in _units.Values)
                process.Kill();
        }

        private ObjectPath NewJob() => new($"/org/freedesktop/systemd1/job/{Interlocked.Increment(ref _jobs)}");

        /// <summary>systemd sends JobRemoved once the job has run, after its reply.</summary>
        private void Finish(ObjectPath job, string unit, string result) => _ = Task.Run(async () =>
        {
            await Task.Delay(20);
            foreach (var watcher in _watchers)
                watcher(((uint)_jobs, job, unit, result));
        });

        private sealed class NoSubscription : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }

    private sealed record StartCall(string Name, string Mode, Dictionary<string, object> Properties)
    {
        /// <summary>ExecStart as decoded from the bus: an array of (path, argv, ignore-failure) structs.</summary>
        public (string Path, string[] Argv, bool IgnoreFailure)[] ExecStart =>
            ((IEnumerable)Properties["ExecStart"]).Cast<object>().Select(Struct).ToArray();

        private static (string, string[], bool) Struct(object value) => value switch
        {
            ValueTuple<string, string[], bool> tuple => tuple,
            object[] fields => ((string)fields[0], ((IEnumerable)fields[1]).Cast<string>().ToArray(), (bool)fields[2]),
            _ => throw new AssertionException($"ExecStart entry decoded as {value.GetType()}, not a (sasb) struct"),
        };
    }
}
