using BenchmarkDotNet.Running;

namespace CloudBox.Benchmarks;

/// <summary>
/// Micro-benchmarks of CloudBox's hot paths. Run all: <c>dotnet run -c Release --project benchmarks/CloudBox.Benchmarks</c>;
/// one: append <c>-- --filter '*TokenValidation*'</c>.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
