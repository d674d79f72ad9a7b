using System.Buffers.Binary;
using System.Text.Json;
using Modules.Tensors;

namespace Modules.Dnc.Tests.Golden;

/// <summary>A golden-vector safetensors file: float32 tensors by name plus the string metadata.</summary>
public sealed class GoldenFile
{
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private GoldenFile(Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata) { Tensors = tensors; Metadata = metadata; }

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name + ".safetensors");

    public static GoldenFile Load(string name)
    {
        var bytes = File.ReadAllBytes(PathOf(name));
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var data = bytes.AsSpan(8 + (int)headerLength);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var tensors = new Dictionary<string, Tensor>();
        var metadata = new Dictionary<string, string>();
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                foreach (var m in entry.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString()!;
                continue;
            }
            Assert.Equal("F32", entry.Value.GetProperty("dtype").GetString());
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var values = new float[(offsets[1] - offsets[0]) / 4];
            for (int i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(offsets[0] + 4 * i, 4));
            tensors[entry.Name] = new Tensor(values, shape);
        }
        return new GoldenFile(tensors, metadata);
    }

    public int Int(string key) => int.Parse(Metadata[key], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>clip_value: "null" (or absent) means no clipping → 0.</summary>
    public float Clip() => Metadata.TryGetValue("clip_value", out var s) && s != "null" ? float.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 0f;

    public static void AssertClose(Tensor expected, Tensor actual, string what, double rtol = 1e-4, double atol = 1e-5)
    {
        Assert.True(expected.ShapeArray().SequenceEqual(actual.ShapeArray()),
            $"{what}: expected shape [{string.Join(", ", expected.ShapeArray())}], got [{string.Join(", ", actual.ShapeArray())}]");
        var e = expected.Values; var a = actual.Values;
        double worst = 0; int worstAt = -1;
        for (int i = 0; i < e.Length; i++)
        {
            double excess = Math.Abs(e[i] - a[i]) - (atol + rtol * Math.Abs(e[i]));
            if (excess > worst || float.IsNaN(a[i])) { worst = float.IsNaN(a[i]) ? double.PositiveInfinity : excess; worstAt = i; }
        }
        Assert.True(worstAt < 0, worstAt < 0 ? "" : $"{what}[{worstAt}]: expected {e[worstAt]}, got {a[worstAt]}");
    }
}
