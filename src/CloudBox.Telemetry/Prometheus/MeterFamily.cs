namespace CloudBox.Telemetry.Prometheus;

/// <summary>
/// One collector meter as a Prometheus metric family: the Gnocchi resource type and metric name
/// it is read from, its exposition name, type and help, and which labels its resources give.
/// </summary>
internal sealed record MeterFamily(string ResourceType, string Meter, string Name, string Type, string Help, MeterLabels Labels)
{
    /// <summary>Every family <c>/metrics</c> exposes, in exposition order.</summary>
    public static readonly IReadOnlyList<MeterFamily> All =
    [
        new("instance", "cpu", "cloudbox_server_cpu_nanoseconds_total", "counter", "CPU time of the server's VMM process in nanoseconds.", MeterLabels.Server),
        new("instance", "vcpus", "cloudbox_server_vcpus", "gauge", "Virtual CPUs of the server's flavor.", MeterLabels.Server),
        new("instance", "memory", "cloudbox_server_memory_megabytes", "gauge", "Memory of the server's flavor in MB.", MeterLabels.Server),
        new("instance", "memory.usage", "cloudbox_server_memory_usage_megabytes", "gauge", "Resident memory of the server's VMM process in MB.", MeterLabels.Server),
        new("instance", "cloudbox.vm.exits.io", "cloudbox_server_exits_io_total", "counter", "Port I/O exits of the server's VM.", MeterLabels.Server),
        new("instance", "cloudbox.vm.exits.mmio", "cloudbox_server_exits_mmio_total", "counter", "MMIO exits of the server's VM.", MeterLabels.Server),
        new("instance", "cloudbox.vm.exits.hlt", "cloudbox_server_exits_hlt_total", "counter", "HLT exits of the server's VM.", MeterLabels.Server),
        new("instance", "cloudbox.vm.exits.other", "cloudbox_server_exits_other_total", "counter", "VM exits of the server's VM for any other reason.", MeterLabels.Server),
        new("instance_network_interface", "network.incoming.bytes", "cloudbox_server_network_incoming_bytes_total", "counter", "Bytes the server received on the interface.", MeterLabels.ServerInterface),
        new("instance_network_interface", "network.outgoing.bytes", "cloudbox_server_network_outgoing_bytes_total", "counter", "Bytes the server sent on the interface.", MeterLabels.ServerInterface),
        new("instance_network_interface", "network.incoming.packets", "cloudbox_server_network_incoming_packets_total", "counter", "Packets the server received on the interface.", MeterLabels.ServerInterface),
        new("instance_network_interface", "network.outgoing.packets", "cloudbox_server_network_outgoing_packets_total", "counter", "Packets the server sent on the interface.", MeterLabels.ServerInterface),
        new("instance_disk", "disk.device.read.bytes", "cloudbox_server_disk_read_bytes_total", "counter", "Bytes the server read from the disk.", MeterLabels.ServerDisk),
        new("instance_disk", "disk.device.write.bytes", "cloudbox_server_disk_write_bytes_total", "counter", "Bytes the server wrote to the disk.", MeterLabels.ServerDisk),
        new("instance_disk", "disk.device.read.requests", "cloudbox_server_disk_read_requests_total", "counter", "Read requests the server made to the disk.", MeterLabels.ServerDisk),
        new("instance_disk", "disk.device.write.requests", "cloudbox_server_disk_write_requests_total", "counter", "Write requests the server made to the disk.", MeterLabels.ServerDisk),
        new("volume", "volume.size", "cloudbox_volume_size_gigabytes", "gauge", "Size of the volume in GB.", MeterLabels.Volume),
        new("image", "image.size", "cloudbox_image_size_bytes", "gauge", "Size of the image's data in bytes.", MeterLabels.Image),
        new("swift_account", "storage.objects", "cloudbox_storage_objects", "gauge", "Objects in the project's object store.", MeterLabels.Project),
        new("swift_account", "storage.objects.size", "cloudbox_storage_objects_size_bytes", "gauge", "Bytes stored in the project's object store.", MeterLabels.Project),
        new("swift_account", "storage.objects.containers", "cloudbox_storage_containers", "gauge", "Containers in the project's object store.", MeterLabels.Project),
        new("swift_account", "storage.containers.objects", "cloudbox_storage_container_objects", "gauge", "Objects in the container.", MeterLabels.Container),
        new("swift_account", "storage.containers.objects.size", "cloudbox_storage_container_objects_size_bytes", "gauge", "Bytes stored in the container.", MeterLabels.Container),
    ];
}

/// <summary>Which labels a family's resources carry besides <c>project_id</c>.</summary>
internal enum MeterLabels
{
    /// <summary>server_id (the resource) and name (display_name).</summary>
    Server,

    /// <summary>server_id and name of the instance the interface belongs to, and interface.</summary>
    ServerInterface,

    /// <summary>server_id and name of the instance the disk belongs to, and disk.</summary>
    ServerDisk,

    /// <summary>volume_id and name.</summary>
    Volume,

    /// <summary>image_id and name.</summary>
    Image,

    /// <summary>project_id only.</summary>
    Project,

    /// <summary>container (the resource is named <c>project_container</c>).</summary>
    Container,
}
