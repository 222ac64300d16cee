using System.Net.Sockets;

namespace CloudBox.Hypervisor.Confinement;

/// <summary>
/// <c>cloudbox vmm --seccomp-probe process|vcpu|worker</c>: proves on this host that the filters hold. It installs the
/// process filter (and, for vcpu or worker, that thread kind's on a thread of its own), shows that allowed calls
/// work and that a refused open fails softly, then makes a call the filter forbids (a socket outside the unix family
/// for the process filter; making any socket on a vCPU or device thread): the kernel must kill the process with SIGSYS. An
/// exit code of 0 means the forbidden call went through.
/// </summary>
internal static class SeccompProbe
{
    public static int Run(string kind)
    {
        Func<int, Linux.Confinement.SeccompFilter>? thread = kind switch
        {
            "process" => null,
            "vcpu" => ThreadFilters.Vcpu,
            "worker" => ThreadFilters.DeviceWorker,
            _ => throw new ArgumentException($"unknown probe '{kind}' (process, vcpu or worker)"),
        };
        ThreadFilters.Process(Environment.ProcessId).Install(allThreads: true);
        Report($"process filter installed; getpid still answers {Environment.ProcessId}");
        if (thread == null)
        {
            Report("creating an AF_INET socket (forbidden)");
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            Report("ALIVE: the forbidden call was allowed");
            return 0;
        }
        var survived = false;
        var worker = new Thread(() =>
        {
            ThreadFilters.Enabled = true;
            ThreadFilters.ApplyToCurrentThread(thread);
            try
            {
                using var file = File.OpenHandle("/proc/self/status");
                Report("open was allowed on the thread (unexpected)");
            }
            catch (UnauthorizedAccessException)
            {
                Report($"{kind} thread: open refused with EACCES, the thread lives on");
            }
            Report($"{kind} thread: creating a unix socket (forbidden)");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            survived = true;
        });
        worker.Start();
        worker.Join();
        Report(survived ? "ALIVE: the forbidden call was allowed" : "the thread ended without its call");
        return 0;
    }

    private static void Report(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }
}
