using System.Text.Json;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>PUT /vm/actions: parses the action and runs it on the current boot.</summary>
public static class VmActionsEndpoint
{
    public static HttpResponse Handle(VmmHost host, byte[] body)
    {
        VmActionRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, ControlJsonContext.Default.VmActionRequest);
        }
        catch (JsonException error)
        {
            return HttpResponse.Error(400, $"malformed JSON: {error.Message}");
        }
        var action = request?.Action;
        var vm = host.Current;
        if (vm == null) return HttpResponse.Error(409, "the VM is not running");
        switch (action)
        {
            case "pause":
                if (vm.State != VmState.Running) return HttpResponse.Error(409, $"cannot pause a VM that is {vm.State.ToString().ToLowerInvariant()}");
                host.Pause();
                return HttpResponse.NoContent;
            case "resume":
                if (vm.State != VmState.Paused) return HttpResponse.Error(409, $"cannot resume a VM that is {vm.State.ToString().ToLowerInvariant()}");
                host.Resume();
                return HttpResponse.NoContent;
            case "shutdown":
                return host.Shutdown() ? HttpResponse.NoContent : HttpResponse.Error(409, "the VM is not running");
            case "reboot":
                return host.Reboot() ? HttpResponse.NoContent : HttpResponse.Error(409, "the VM is not running");
            case "kill":
                return host.Kill() ? HttpResponse.NoContent : HttpResponse.Error(409, "the VM is not running");
            default:
                return HttpResponse.Error(400, "action must be one of pause, resume, shutdown, reboot, kill");
        }
    }
}
