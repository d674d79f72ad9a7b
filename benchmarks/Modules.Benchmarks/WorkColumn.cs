using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Modules.Benchmarks;

/// <summary>
/// A column that divides a fixed amount of work per operation (flops, elements) by the measured mean time,
/// so reports show GFLOP/s or G-elements/s directly.
/// </summary>
public sealed class WorkColumn(string name, string legend, Func<BenchmarkCase, double> workPerOperation) : IColumn
{
    public string Id => nameof(WorkColumn) + "." + ColumnName;
    public string ColumnName { get; } = name;
    public string Legend { get; } = legend;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } stats) return "NA";
        double seconds = stats.Mean * 1e-9;
        return (workPerOperation(benchmarkCase) / seconds / 1e9).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a [Params] value of the case by name.</summary>
    public static object? Param(BenchmarkCase benchmarkCase, string name) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value;
}
