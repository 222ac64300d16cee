using System.Globalization;
using System.Text;

namespace CloudBox.Telemetry.Prometheus;

/// <summary>Prometheus' text exposition format (version 0.0.4): family headers, escaped labels, values.</summary>
internal static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Header(StringBuilder output, string name, string type, string help) =>
        output.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
            .Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    /// <summary>One sample: <c>name{label="value",…} value</c>; labels with a null value are left out.</summary>
    public static void Sample(StringBuilder output, string name, ReadOnlySpan<(string Name, string? Value)> labels, double value)
    {
        output.Append(name);
        var first = true;
        foreach (var (label, text) in labels)
        {
            if (text is null)
                continue;
            output.Append(first ? '{' : ',').Append(label).Append("=\"");
            Escape(output, text);
            output.Append('"');
            first = false;
        }
        if (!first)
            output.Append('}');
        output.Append(' ').Append(Value(value)).Append('\n');
    }

    public static string Value(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private static void Escape(StringBuilder output, string text)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\': output.Append("\\\\"); break;
                case '"': output.Append("\\\""); break;
                case '\n': output.Append("\\n"); break;
                default: output.Append(c); break;
            }
        }
    }
}
