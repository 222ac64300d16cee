using System.Diagnostics;
using CloudBox.Hypervisor.Confinement;
using CloudBox.Linux.Confinement;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// The seccomp filters in the kernel: the assembled program's argument checks (on a thread of this process, with an
/// error instead of a kill), and, in child `cloudbox vmm --seccomp-probe` processes, that a forbidden call kills the
/// whole process with SIGSYS while allowed calls and softly refused ones do not.
/// </summary>
[TestFixture]
public sealed class ConfinementTests
{
    private const int SigSys = 31;

    [Test]
    public void The_assembled_filter_tells_ioctl_request_types_apart_in_the_kernel()
    {
        if (!File.Exists("/dev/kvm"))
            Assert.Ignore("/dev/kvm is missing: no KVM on this machine");
        // KvmSystem.Open asks KVM_GET_API_VERSION, an ioctl of KVM's type (0xAE): a filter that lets only that type
        // through leaves it working; one that lets only 'T' (tun, terminals) through makes it fail with EPERM.
        Assert.That(OpenKvmUnder(0xAE), Is.EqualTo("ok"));
        Assert.That(OpenKvmUnder(0x54), Does.Contain("-1"), "the version ioctl was refused");
    }

    /// <summary>Opens /dev/kvm on a thread of its own (filters die with their thread) whose ioctls must be of <paramref name="type"/>.</summary>
    private static string OpenKvmUnder(byte type)
    {
        var outcome = "";
        var thread = new Thread(() =>
        {
            new SeccompFilter(SeccompAction.Allow).AllowIfElseFail(Syscall.Ioctl, Linux.Errno.EPERM, ArgumentMatch.IoctlType(type)).Install(allThreads: false);
            try
            {
                using var kvm = Linux.Kvm.KvmSystem.Open();
                outcome = "ok";
            }
            catch (InvalidOperationException error)
            {
                outcome = error.Message;
            }
        });
        thread.Start();
        thread.Join();
        return outcome;
    }

    [Test]
    public void Every_filter_assembles_within_the_kernels_limits_and_kills_by_default()
    {
        foreach (var filter in new[] { ThreadFilters.Process(1), ThreadFilters.Vcpu(1), ThreadFilters.DeviceWorker(1) })
        {
            var program = filter.Assemble();
            Assert.That(program.Length, Is.LessThan(4096));
            Assert.That(program[^1].K, Is.EqualTo(SeccompAction.KillProcess.Value), "the default action");
            Assert.That(filter.Syscalls, Does.Not.Contain(Syscall.Execve).And.Not.Contain(Syscall.Ptrace).And.Not.Contain(Syscall.Mount)
                .And.Not.Contain(Syscall.Setns).And.Not.Contain(Syscall.Setresuid).And.Not.Contain(Syscall.Bpf));
        }
        Assert.That(ThreadFilters.Vcpu(1).Syscalls, Does.Not.Contain(Syscall.Socket).And.Not.Contain(Syscall.Connect).And.Not.Contain(Syscall.Bind));
    }

    [TestCase("process", "process filter installed")]
    [TestCase("vcpu", "vcpu thread: open refused with EACCES")]
    [TestCase("worker", "worker thread: open refused with EACCES")]
    public void A_forbidden_call_kills_the_VMM_process_with_SIGSYS(string kind, string before)
    {
        var binary = CloudBoxBinary.Find();
        var start = new ProcessStartInfo(binary, ["vmm", "--seccomp-probe", kind]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        TestContext.Out.WriteLine(output + errors);
        Assert.That(output, Does.Contain(before), "the filter let the allowed calls through");
        Assert.That(output, Does.Not.Contain("ALIVE"));
        Assert.That(process.ExitCode, Is.EqualTo(128 + SigSys), "killed by SIGSYS");
    }
}
