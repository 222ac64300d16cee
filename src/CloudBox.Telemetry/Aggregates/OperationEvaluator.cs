using System.Text.Json.Nodes;
using CloudBox.Telemetry.Storage;

namespace CloudBox.Telemetry.Aggregates;

/// <summary>
/// Evaluates aggregates operations over a grid whose rows are the references in order:
/// <c>metric</c>, <c>aggregate</c> (any aggregation method across series), arithmetic
/// (+ - * / ** with numbers or series), unary functions (abs, neg, sqrt, floor, ceil, cos, sin,
/// tan, rateofchange), <c>resample</c> and <c>rolling</c>.
/// </summary>
internal static class OperationEvaluator
{
    public static SeriesGrid Evaluate(JsonNode node, SeriesGrid input, ref int nextReference)
    {
        if (node is not JsonArray list || list.Count == 0)
            throw new FormatException("An operation is a non-empty list");
        var op = OperationParser.Text(list[0]);
        switch (op)
        {
            case "metric":
            {
                var count = list.Count == 3 && list[1] is JsonValue ? 1 : list.Count - 1;
                var first = 0;
                for (var i = 0; i < nextReference; i++)
                    first += input.RowsPerReference[i];
                var taken = 0;
                for (var i = 0; i < count; i++)
                    taken += input.RowsPerReference[nextReference + i];
                nextReference += count;
                return new SeriesGrid(input.Granularity, input.Times, input.Series[first..(first + taken)]);
            }
            case "aggregate":
            {
                if (list.Count != 3)
                    throw new FormatException("'aggregate' takes a method and an operation");
                var methodName = OperationParser.Text(list[1]);
                if (!AggregationMethod.TryParse(methodName, out var method))
                    throw new FormatException($"Unknown aggregation method '{methodName}'");
                var inner = Evaluate(list[2]!, input, ref nextReference);
                var result = new double[inner.Times.Length];
                var values = new double[inner.Series.Length];
                var scratch = new double[Math.Max(16, inner.Series.Length)];
                for (var t = 0; t < result.Length; t++)
                {
                    var count = 0;
                    foreach (var row in inner.Series)
                    {
                        if (!double.IsNaN(row[t]))
                            values[count++] = row[t];
                    }
                    result[t] = method.Compute(values.AsSpan(0, count), scratch);
                }
                return new SeriesGrid(inner.Granularity, inner.Times, [result]) { Aggregated = true };
            }
            case "+" or "add" or "-" or "sub" or "*" or "mul" or "/" or "truediv" or "**" or "pow":
            {
                if (list.Count != 3)
                    throw new FormatException($"'{op}' takes two operands");
                var left = Operand(list[1], input, ref nextReference);
                var right = Operand(list[2], input, ref nextReference);
                var shape = left ?? right ?? throw new FormatException($"'{op}' needs at least one series");
                var rows = new double[Math.Max(left?.Series.Length ?? 1, right?.Series.Length ?? 1)][];
                var leftNumber = list[1] is JsonValue lv && lv.TryGetValue<double>(out var ln) ? ln : double.NaN;
                var rightNumber = list[2] is JsonValue rv && rv.TryGetValue<double>(out var rn) ? rn : double.NaN;
                Func<double, double, double> apply = op switch
                {
                    "+" or "add" => static (a, b) => a + b,
                    "-" or "sub" => static (a, b) => a - b,
                    "*" or "mul" => static (a, b) => a * b,
                    "/" or "truediv" => static (a, b) => a / b,
                    _ => Math.Pow,
                };
                for (var r = 0; r < rows.Length; r++)
                {
                    var leftRow = left?.Series[Math.Min(r, left.Series.Length - 1)];
                    var rightRow = right?.Series[Math.Min(r, right.Series.Length - 1)];
                    var row = rows[r] = new double[shape.Times.Length];
                    for (var t = 0; t < row.Length; t++)
                        row[t] = apply(leftRow is null ? leftNumber : leftRow[t], rightRow is null ? rightNumber : rightRow[t]);
                }
                return new SeriesGrid(shape.Granularity, shape.Times, rows) { Aggregated = (left?.Aggregated ?? true) && (right?.Aggregated ?? true) };
            }
            case "abs" or "absolute" or "neg" or "negative" or "sqrt" or "floor" or "ceil" or "cos" or "sin" or "tan" or "rateofchange":
            {
                if (list.Count != 2)
                    throw new FormatException($"'{op}' takes one operand");
                var inner = Evaluate(list[1]!, input, ref nextReference);
                Func<double, double>? apply = op switch
                {
                    "abs" or "absolute" => Math.Abs,
                    "neg" or "negative" => static v => -v,
                    "sqrt" => Math.Sqrt,
                    "floor" => Math.Floor,
                    "ceil" => Math.Ceiling,
                    "cos" => Math.Cos,
                    "sin" => Math.Sin,
                    "tan" => Math.Tan,
                    _ => null,
                };
                var rows = new double[inner.Series.Length][];
                for (var r = 0; r < rows.Length; r++)
                {
                    var row = inner.Series[r];
                    var result = rows[r] = new double[row.Length];
                    for (var t = 0; t < row.Length; t++)
                        result[t] = apply is not null ? apply(row[t]) : t == 0 ? double.NaN : row[t] - row[t - 1];
                }
                return new SeriesGrid(inner.Granularity, inner.Times, rows) { Aggregated = inner.Aggregated };
            }
            case "resample":
            {
                if (list.Count != 4)
                    throw new FormatException("'resample' takes a method, a granularity and an operation");
                var method = AggregationMethod.Parse(OperationParser.Text(list[1]));
                var span = (long)(list[2]!.GetValue<double>() * ArchivePolicy.NanosPerSecond);
                if (span <= 0)
                    throw new FormatException("'resample' needs a positive granularity");
                var inner = Evaluate(list[3]!, input, ref nextReference);
                // The times are sorted, so each bucket is one run of consecutive times.
                var bucketOf = new int[inner.Times.Length];
                var buckets = new List<long>();
                for (var t = 0; t < inner.Times.Length; t++)
                {
                    var bucket = SeriesSplit.Round(inner.Times[t], span);
                    if (buckets.Count == 0 || buckets[^1] != bucket)
                        buckets.Add(bucket);
                    bucketOf[t] = buckets.Count - 1;
                }
                var rows = new double[inner.Series.Length][];
                var values = new double[inner.Times.Length];
                var scratch = new double[Math.Max(16, inner.Times.Length)];
                for (var r = 0; r < rows.Length; r++)
                {
                    var row = inner.Series[r];
                    var result = rows[r] = new double[buckets.Count];
                    var t = 0;
                    for (var b = 0; b < buckets.Count; b++)
                    {
                        var count = 0;
                        for (; t < row.Length && bucketOf[t] == b; t++)
                        {
                            if (!double.IsNaN(row[t]))
                                values[count++] = row[t];
                        }
                        result[b] = method.Compute(values.AsSpan(0, count), scratch);
                    }
                }
                return new SeriesGrid(span, [.. buckets], rows) { Aggregated = inner.Aggregated };
            }
            case "rolling":
            {
                if (list.Count != 4)
                    throw new FormatException("'rolling' takes a method, a window and an operation");
                var method = AggregationMethod.Parse(OperationParser.Text(list[1]));
                var window = (int)list[2]!.GetValue<double>();
                if (window < 1)
                    throw new FormatException("'rolling' needs a window of at least 1");
                var inner = Evaluate(list[3]!, input, ref nextReference);
                var times = inner.Times.Skip(window - 1).ToArray();
                var scratch = new double[Math.Max(16, window)];
                var rows = new double[inner.Series.Length][];
                for (var r = 0; r < rows.Length; r++)
                {
                    var result = rows[r] = new double[times.Length];
                    for (var t = 0; t < times.Length; t++)
                        result[t] = method.Compute(inner.Series[r].AsSpan(t, window), scratch);
                }
                return new SeriesGrid(inner.Granularity, times, rows) { Aggregated = inner.Aggregated };
            }
            default:
                throw new FormatException($"Unknown operation '{op}'");
        }
    }

    private static SeriesGrid? Operand(JsonNode? node, SeriesGrid input, ref int nextReference) =>
        node is JsonArray ? Evaluate(node, input, ref nextReference)
        : node is JsonValue value && value.TryGetValue<double>(out _) ? null
        : throw new FormatException("An operand is a number or an operation");
}
