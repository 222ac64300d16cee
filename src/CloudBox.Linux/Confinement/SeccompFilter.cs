using System.Runtime.InteropServices;
using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Confinement;

/// <summary>
/// An allow-list of system calls, assembled into a classic BPF program for seccomp (as Firecracker's seccompiler
/// does from its JSON rules): the architecture is checked first (an x86_64 filter judging an i386 or x32 call would
/// judge the wrong numbers), then each rule in turn compares the call number and, for conditional rules, argument
/// words; a call no rule matches gets the default action.
/// </summary>
public sealed class SeccompFilter(SeccompAction defaultAction)
{
    private const uint AuditArchX86_64 = 0xC000_003E;
    private const uint X32SyscallBit = 0x4000_0000;
    private const int OffsetNr = 0, OffsetArch = 4, OffsetArgs = 16;

    // Classic BPF opcodes (linux/bpf_common.h).
    private const ushort LoadWordAbsolute = 0x20; // BPF_LD | BPF_W | BPF_ABS
    private const ushort JumpEqual = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort JumpGreaterOrEqual = 0x35; // BPF_JMP | BPF_JGE | BPF_K
    private const ushort AndConstant = 0x54; // BPF_ALU | BPF_AND | BPF_K
    private const ushort Return = 0x06; // BPF_RET | BPF_K
    private const int MaxInstructions = 4096; // BPF_MAXINSNS

    private readonly List<Rule> _rules = [];

    public SeccompAction DefaultAction { get; } = defaultAction;

    /// <summary>Allows the calls unconditionally.</summary>
    public SeccompFilter Allow(params int[] syscalls)
    {
        foreach (var nr in syscalls) _rules.Add(new Rule(nr, [], SeccompAction.Allow, null));
        return this;
    }

    /// <summary>Allows the call when any one of <paramref name="anyOf"/> holds (each a list of conditions that must all hold).</summary>
    public SeccompFilter AllowIf(int syscall, params ArgumentMatch[][] anyOf)
    {
        _rules.Add(new Rule(syscall, anyOf, SeccompAction.Allow, null));
        return this;
    }

    /// <summary>Allows the call when its argument matches one of the single conditions.</summary>
    public SeccompFilter AllowIfAny(int syscall, params ArgumentMatch[] anyOf) => AllowIf(syscall, [.. anyOf.Select(m => new[] { m })]);

    /// <summary>Answers the calls with an error instead of killing (calls the runtime tries and copes without).</summary>
    public SeccompFilter Fail(int errno, params int[] syscalls)
    {
        foreach (var nr in syscalls) _rules.Add(new Rule(nr, [], SeccompAction.Fail(errno), null));
        return this;
    }

    /// <summary>Allows the call when the condition holds, else answers <paramref name="errno"/>.</summary>
    public SeccompFilter AllowIfElseFail(int syscall, int errno, params ArgumentMatch[] allOf)
    {
        _rules.Add(new Rule(syscall, [allOf], SeccompAction.Allow, SeccompAction.Fail(errno)));
        return this;
    }

    /// <summary>The system calls some rule names (for tests and diagnostics). Rules are tried in order: hot calls first.</summary>
    public IReadOnlySet<int> Syscalls => _rules.Select(r => r.Nr).ToHashSet();

    /// <summary>The program: sock_filter instructions as the kernel reads them.</summary>
    public SockFilter[] Assemble()
    {
        var program = new List<SockFilter>
        {
            new(LoadWordAbsolute, 0, 0, OffsetArch),
            new(JumpEqual, 1, 0, AuditArchX86_64),
            new(Return, 0, 0, SeccompAction.KillProcess.Value),
            new(LoadWordAbsolute, 0, 0, OffsetNr),
            new(JumpGreaterOrEqual, 0, 1, X32SyscallBit),
            new(Return, 0, 0, SeccompAction.KillProcess.Value),
        };
        var seen = new HashSet<int>();
        foreach (var rule in _rules)
        {
            if (!seen.Add(rule.Nr)) continue; // the first rule for a number decides; later ones could never run
            var body = Body(rule);
            if (body.Count > 255) throw new InvalidOperationException($"the rule for system call {rule.Nr} is too long for one jump");
            // The accumulator holds the number at every rule: a body that loads an argument always ends in a return,
            // and a mismatch jumps over the whole body.
            program.Add(new(JumpEqual, 0, (byte)body.Count, (uint)rule.Nr));
            program.AddRange(body);
        }
        program.Add(new(Return, 0, 0, DefaultAction.Value));
        if (program.Count > MaxInstructions) throw new InvalidOperationException($"the filter has {program.Count} instructions; the kernel takes {MaxInstructions}");
        return [.. program];
    }

    /// <summary>
    /// A rule's body, entered when the number matched: unconditional rules return at once; conditional ones test each
    /// alternative (a failed condition jumps to the next alternative) and return the rule's action on the first that
    /// holds, else its fallback (the default action unless the rule names one).
    /// </summary>
    private List<SockFilter> Body(Rule rule)
    {
        if (rule.AnyOf.Length == 0) return [new(Return, 0, 0, rule.Action.Value)];
        var body = new List<SockFilter>();
        foreach (var alternative in rule.AnyOf)
        {
            var block = new List<SockFilter>();
            // Conditions are emitted backwards so each one's "false" jump length (to the end of this block) is known.
            var tail = new List<SockFilter> { new(Return, 0, 0, rule.Action.Value) };
            for (var c = alternative.Length - 1; c >= 0; c--)
            {
                var match = alternative[c];
                if (match.Index is < 0 or > 5) throw new ArgumentOutOfRangeException(nameof(rule), "system calls have six arguments");
                var test = new List<SockFilter> { new(LoadWordAbsolute, 0, 0, (uint)(OffsetArgs + 8 * match.Index)) };
                if (match.Mask != 0xFFFF_FFFF) test.Add(new(AndConstant, 0, 0, match.Mask));
                // On a mismatch skip the rest of this alternative: the remaining tests and its return.
                test.Add(new(JumpEqual, 0, checked((byte)tail.Count), match.Value));
                tail.InsertRange(0, test);
            }
            block.AddRange(tail);
            body.AddRange(block);
        }
        body.Add(new(Return, 0, 0, (rule.Otherwise ?? DefaultAction).Value));
        return body;
    }

    /// <summary>
    /// Installs the filter on the calling thread, or with <paramref name="allThreads"/> on every thread of the process
    /// (SECCOMP_FILTER_FLAG_TSYNC), after setting no_new_privs (which the kernel requires of an unprivileged caller and
    /// which keeps a later execve from gaining privileges). Filters stack: a call must pass every filter installed.
    /// </summary>
    public unsafe void Install(bool allThreads)
    {
        var program = Assemble();
        NoNewPrivileges.Set();
        fixed (SockFilter* instructions = program)
        {
            var fprog = new SockFprog { Length = (ushort)program.Length, Filter = instructions };
            var result = Libc.Syscall(Syscall.Seccomp, SeccompSetModeFilter, allThreads ? SeccompFilterFlagTsync : 0, (nint)(&fprog), 0, 0, 0);
            if (result < 0) throw LinuxException.FromLastError("seccomp(SECCOMP_SET_MODE_FILTER)");
            if (result > 0) throw new LinuxException($"seccomp TSYNC: thread {result} has a filter of its own", Errno.EPERM);
        }
    }

    private const int SeccompSetModeFilter = 1;
    private const int SeccompFilterFlagTsync = 1;

    private sealed record Rule(int Nr, ArgumentMatch[][] AnyOf, SeccompAction Action, SeccompAction? Otherwise);

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }
}

/// <summary>One classic BPF instruction (struct sock_filter).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct SockFilter(ushort Code, byte JumpTrue, byte JumpFalse, uint K);
