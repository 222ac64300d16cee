namespace CloudBox.Compute.Hosts;

/// <summary>This node's capacity as the hypervisor API reports it: CPUs, memory and the data directory's disk.</summary>
public sealed class HostResources(ComputeSettings settings, string dataDirectory)
{
    public string HostName => settings.HostName;

    public int Vcpus => Environment.ProcessorCount;

    public long MemoryMiB
    {
        get
        {
            foreach (var line in File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo") : [])
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
            }
            return 0;
        }
    }

    public (long TotalGiB, long FreeGiB) Disk
    {
        get
        {
            Directory.CreateDirectory(dataDirectory);
            var drive = new DriveInfo(dataDirectory);
            return (drive.TotalSize >> 30, drive.AvailableFreeSpace >> 30);
        }
    }
}
