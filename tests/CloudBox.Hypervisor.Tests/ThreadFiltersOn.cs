using CloudBox.Hypervisor.Confinement;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// Every guest these tests run has its vCPU and device-worker threads under their seccomp filters, as in a confined
/// `cloudbox vmm`: a call the filters miss kills the test run, so the device tests double as the filters' tests.
/// </summary>
[SetUpFixture]
public sealed class ThreadFiltersOn
{
    [OneTimeSetUp]
    public void Enable() => ThreadFilters.Enabled = Environment.GetEnvironmentVariable("CLOUDBOX_TEST_THREAD_FILTERS") != "0"; // 0: to compare without

    [OneTimeTearDown]
    public void Disable() => ThreadFilters.Enabled = false;
}
