using CloudBox.Commands;
using CloudBox.Core.Health;

namespace CloudBox.Hosting;

/// <summary>
/// <c>/healthz/live</c>: the process answers. <c>/healthz</c> and <c>/healthz/ready</c>: 200 once
/// start-up is done and no part is failing; 503 naming what is starting or failing (a network data
/// plane whose passes fail, say). <c>/version</c>: the release. All plain text, first line the verdict.
/// </summary>
internal static class Health
{
    public static IResult Live() => Results.Text($"ok\nversion {VersionCommand.Version}\n", "text/plain", statusCode: 200);

    public static IResult Ready(ReadinessGate gate)
    {
        var failing = gate.Failing;
        var pending = gate.Pending;
        if (failing.Count == 0 && pending.Count == 0)
            return Results.Text($"ok\nversion {VersionCommand.Version}\n", "text/plain", statusCode: 200);
        var text = new System.Text.StringBuilder(failing.Count > 0 ? "failing\n" : "starting\n");
        foreach (var (component, reason) in failing)
            text.Append("failing: ").Append(component).Append(": ").Append(reason).Append('\n');
        if (pending.Count > 0)
            text.Append("starting: ").Append(string.Join(", ", pending)).Append('\n');
        text.Append("version ").Append(VersionCommand.Version).Append('\n');
        return Results.Text(text.ToString(), "text/plain", statusCode: 503);
    }

    public static IResult Version() => Results.Text($"cloudbox {VersionCommand.Version}\n", "text/plain", statusCode: 200);
}
