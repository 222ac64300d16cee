using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Networking.DataPlane;

/// <summary>Registers the kernel data plane: the reconciler that makes the host match the database.</summary>
internal static class DataPlaneServices
{
    public static void Add(IServiceCollection services, NetworkSettings settings)
    {
        services.AddSingleton<Dhcp.DhcpService>();
        services.AddSingleton<Metadata.MetadataService>();
        services.AddSingleton<RouterAdvertisements.RouterAdvertisementService>();
        services.AddSingleton<SecurityGroupFilter>();
        services.AddSingleton<LinuxDataPlane>();
        services.AddSingleton<DataPlaneReconciler>();
        services.AddHostedService(provider => provider.GetRequiredService<DataPlaneReconciler>());
    }
}
