using Modules.Tensors;

namespace Modules.Dnc.Tests.Golden;

/// <summary>A golden-vector safetensors file: float32 tensors by name plus the string metadata.</summary>
public sealed class GoldenFile
{
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private GoldenFile(Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata) { Tensors = tensors; Metadata = metadata; }

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name + ".safetensors");

    /// <summary>Reads the file with the product's safetensors reader (checkpoints use the same format).</summary>
    public static GoldenFile Load(string name)
    {
        var file = Modules.Checkpoints.SafeTensors.Read(PathOf(name));
        return new GoldenFile(file.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value), file.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value));
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
