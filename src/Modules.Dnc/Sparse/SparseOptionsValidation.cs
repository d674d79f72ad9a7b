namespace Modules.Dnc.Sparse;

/// <summary>The checks <see cref="SamOptions.Validate"/> and <see cref="SdncOptions.Validate"/> share.</summary>
internal static class SparseOptionsValidation
{
    public static void Check(string type, int outputSize, int hiddenSize, int memorySize, int wordSize, int numReads, int numWrites,
        int sparseReads, float usageThreshold, INearestNeighbours? index, int linkSparsity)
    {
        Positive(type, "OutputSize", outputSize);
        Positive(type, "HiddenSize", hiddenSize);
        Positive(type, "MemorySize", memorySize);
        Positive(type, "WordSize", wordSize);
        Positive(type, "NumReads", numReads);
        if (numWrites != 1)
            throw new ArgumentException($"{type}.NumWrites: the sparse cores have exactly one write head, got {numWrites}", "NumWrites");
        if (sparseReads < 1 || sparseReads > memorySize)
            throw new ArgumentException($"{type}.SparseReads: must be in [1, MemorySize = {memorySize}], got {sparseReads}", "SparseReads");
        if (!(usageThreshold >= 0f && usageThreshold < 1f))
            throw new ArgumentException($"{type}.UsageThreshold: must be in [0, 1), got {usageThreshold}", "UsageThreshold");
        if (index is null) throw new ArgumentException($"{type}.Index: must be set", "Index");
        Positive(type, "LinkSparsity", linkSparsity);
        if ((long)memorySize > 1 << 24)
            throw new ArgumentException($"{type}.MemorySize: row indices are kept as float32, so at most 2^24 rows, got {memorySize}", "MemorySize");
    }

    private static void Positive(string type, string name, int value)
    {
        if (value < 1) throw new ArgumentException($"{type}.{name}: must be positive, got {value}", name);
    }
}
