namespace CloudBox.Hypervisor.Tests;

[TestFixture]
public sealed class TinyGuestTests
{
    [SetUp]
    public void RequireKvm() => GuestFixtures.RequireKvm();

    [Test]
    public void Serial_output_reaches_the_console_and_acpi_power_off_exits_zero()
    {
        using var guest = new TinyGuest([.. TinyGuest.PrintString("hello from long mode\n"), .. TinyGuest.PowerOff, .. TinyGuest.HaltForever]);
        Assert.That(guest.Run(), Is.EqualTo(VmmExitCode.PowerOff));
        Assert.That(guest.ConsoleText, Is.EqualTo("hello from long mode\n"));
        Assert.That(guest.Host.Counters.ByReason(Linux.Kvm.KvmExitReason.Io), Is.GreaterThanOrEqualTo(22));
    }

    [Test]
    public void Triple_fault_ends_with_its_own_exit_code_and_keeps_the_last_console_lines()
    {
        using var guest = new TinyGuest([.. TinyGuest.PrintString("about to fault\n"), .. TinyGuest.TripleFault]);
        Assert.That(guest.Run(), Is.EqualTo(VmmExitCode.TripleFault));
        Assert.That(guest.Errors.ToString(), Does.Contain("triple fault").And.Contain("about to fault"));
    }

    [Test]
    public void Guest_reset_under_no_reboot_exits_with_the_reboot_code()
    {
        using var guest = new TinyGuest([.. TinyGuest.ResetViaI8042, .. TinyGuest.HaltForever], noReboot: true);
        Assert.That(guest.Run(), Is.EqualTo(VmmExitCode.Reboot));
        Assert.That(guest.Host.Boots, Is.EqualTo(1));
    }

    [Test]
    public void No_guest_instruction_runs_after_the_guest_asks_for_a_reset_or_power_off([Values] bool reset)
    {
        // Linux writes the ACPI reset register and, if the machine is still running, goes on to other ways to reset,
        // down to a jump into real mode for a BIOS this machine does not have. The vCPU must stop at the request.
        byte[] request = reset
            ? [0x66, 0xBA, 0x02, 0x06, 0xB0, 0x01, 0xEE] // mov dx, 0x602; mov al, 1; out dx, al (ACPI reset register)
            : TinyGuest.PowerOff;
        using var guest = new TinyGuest([.. TinyGuest.PrintString("before\n"), .. request, .. TinyGuest.PrintString("after\n"), .. TinyGuest.TripleFault]);
        Assert.That(guest.Run(), Is.EqualTo(reset ? VmmExitCode.Reboot : VmmExitCode.PowerOff));
        Assert.That(guest.ConsoleText, Is.EqualTo("before\n"));
    }

    [Test]
    public void Guest_reset_without_no_reboot_restarts_the_guest()
    {
        // The first boot finds the RAM cell zero and resets; a rebuilt machine would find it zero again, so count
        // boots on the host side: the guest resets forever until we stop it after a few boots.
        using var guest = new TinyGuest([.. TinyGuest.PrintString("boot\n"), .. TinyGuest.ResetViaI8042, .. TinyGuest.HaltForever], noReboot: false);
        var first = guest.Host.Prepare();
        var run = Task.Factory.StartNew(() => guest.Host.Run(first), TaskCreationOptions.LongRunning);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        // Wait for the third boot's output, not just its machine: a kill stops the vCPUs at once, before they print.
        while (!(guest.Host.Boots >= 3 && guest.ConsoleText.StartsWith("boot\nboot\nboot\n", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            Thread.Sleep(10);
        SpinWait.SpinUntil(() => guest.Host.Current != null, 5000);
        guest.Host.Kill();
        Assert.That(run.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(run.Result, Is.EqualTo(VmmExitCode.Killed));
        Assert.That(guest.Host.Boots, Is.GreaterThanOrEqualTo(3));
        Assert.That(guest.ConsoleText, Does.StartWith("boot\nboot\nboot\n"));
    }

    [Test]
    public void Every_vcpu_runs_and_vcpu0_powers_off_once_all_checked_in()
    {
        const int vcpus = 4;
        byte[] code =
        [
            0xF0, 0xFF, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00, // lock inc dword [0x200000]
            0x89, 0xF8, 0x04, 0x30,                         // mov eax, edi; add al, '0'
            0x66, 0xBA, 0xF8, 0x03, 0xEE,                   // mov dx, 0x3f8; out dx, al
            0x85, 0xFF,                                     // test edi, edi
            0x75, 0x11,                                     // jnz park
            0x83, 0x3C, 0x25, 0x00, 0x00, 0x20, 0x00, vcpus, // spin: cmp dword [0x200000], vcpus
            0x75, 0xF6,                                     // jne spin
            .. TinyGuest.PowerOff,                          // 7 bytes
            0xF4, 0xEB, 0xFD,                               // park: hlt; jmp park
        ];
        using var guest = new TinyGuest(code, vcpus);
        Assert.That(guest.Run(), Is.EqualTo(VmmExitCode.PowerOff));
        Assert.That(guest.ConsoleText.OrderBy(c => c), Is.EqualTo("0123"));
    }

    [Test]
    public void Kill_through_the_host_ends_a_spinning_guest()
    {
        using var guest = new TinyGuest(TinyGuest.SpinForever);
        var first = guest.Host.Prepare();
        var run = Task.Factory.StartNew(() => guest.Host.Run(first), TaskCreationOptions.LongRunning);
        SpinWait.SpinUntil(() => first.State == VmState.Running, 5000);
        Assert.That(guest.Host.Pause(), Is.True);
        Assert.That(first.State, Is.EqualTo(VmState.Paused));
        Assert.That(guest.Host.Resume(), Is.True);
        Assert.That(first.State, Is.EqualTo(VmState.Running));
        guest.Host.Kill();
        Assert.That(run.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(run.Result, Is.EqualTo(VmmExitCode.Killed));
    }

    [Test]
    public void Movd_between_a_general_register_and_xmm15_works_in_the_guest()
    {
        // The SSE moves the Debian kernel runs in kernel_fpu_begin sections: where KVM's emulator lacks them (PVM
        // hosts), EmulationFallback completes them; elsewhere the CPU runs them. Either way the value round-trips.
        byte[] code =
        [
            0x0F, 0x20, 0xE0,                   // mov rax, cr4
            0x0D, 0x00, 0x02, 0x00, 0x00,       // or eax, 0x200 (OSFXSR: SSE allowed)
            0x0F, 0x22, 0xE0,                   // mov cr4, rax
            0xB9, 0x44, 0x43, 0x42, 0x41,       // mov ecx, 0x41424344
            0x66, 0x44, 0x0F, 0x6E, 0xF9,       // movd xmm15, ecx
            0x31, 0xC0,                         // xor eax, eax
            0x66, 0x44, 0x0F, 0x7E, 0xF8,       // movd eax, xmm15
            0x66, 0xBA, 0xF8, 0x03, 0xEE,       // mov dx, 0x3f8; out dx, al ('D')
            0xC1, 0xE8, 0x08, 0xEE,             // shr eax, 8; out dx, al ('C')
            .. TinyGuest.PowerOff, .. TinyGuest.HaltForever,
        ];
        using var guest = new TinyGuest(code);
        var first = guest.Host.Prepare();
        var run = Task.Factory.StartNew(() => guest.Host.Run(first), TaskCreationOptions.LongRunning);
        Assert.That(run.Wait(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(run.Result, Is.EqualTo(VmmExitCode.PowerOff), guest.Errors.ToString());
        Assert.That(guest.ConsoleText, Is.EqualTo("DC"));
        TestContext.Out.WriteLine($"instructions completed by EmulationFallback: {first.EmulationRetries}");
    }

    [Test]
    public void Port_exit_round_trip_is_counted_and_timed()
    {
        const int exits = 20000;
        byte[] code =
        [
            0xB9, exits & 0xFF, (exits >> 8) & 0xFF, 0x00, 0x00, // mov ecx, exits
            0xE6, 0x80,                                          // loop: out 0x80, al (POST port: a no-op device)
            0xFF, 0xC9,                                          // dec ecx
            0x75, 0xFA,                                          // jnz loop
            .. TinyGuest.PowerOff, .. TinyGuest.HaltForever,
        ];
        using var guest = new TinyGuest(code);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(guest.Run(), Is.EqualTo(VmmExitCode.PowerOff));
        watch.Stop();
        Assert.That(guest.Host.Counters.ByReason(Linux.Kvm.KvmExitReason.Io), Is.EqualTo(exits + 1));
        TestContext.Out.WriteLine($"{exits} port exits + VM setup and teardown in {watch.Elapsed.TotalMilliseconds:F0} ms: at most {watch.Elapsed.TotalMicroseconds / exits:F1} us per exit round trip");
    }
}
