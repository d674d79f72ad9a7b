using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Modules.Tensors;

/// <summary>
/// The B operand of repeated products with the same weight (the LSTM's gates weight in every time step's backward), packed
/// once and reused for as long as the weight's values are unchanged. Validity is checked against a copy of the values the
/// panels were packed from, bit for bit, on every use: a weight changed in place by an optimizer step, a checkpoint
/// load or a user is re-packed before it is read, so the cache can never serve stale panels. The check reads the weight
/// and its copy in order, which costs a fraction of the strided transpose it saves.
/// </summary>
internal sealed unsafe class GemmPackedB
{
    /// <summary>This thread's cache per weight (threads never share one: data-parallel shards run the same weight at once).</summary>
    [ThreadStatic] private static ConditionalWeakTable<Tensor, GemmPackedB>? perWeight;

    private float[] snapshot = [];
    private float[]? panels;
    private int k, n, nr;
    private bool transB;

    /// <summary>How often the panels were packed (tests use it to see reuse and re-packing).</summary>
    internal int Packs { get; private set; }

    /// <summary>
    /// destination [m, n] = <paramref name="a"/> [m, k] · op(<paramref name="weight"/>), where op(weight) is [k, n] (weight stored
    /// [n, k] when <paramref name="transposeB"/>), with the weight's packed panels taken from this thread's cache.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shapes do not multiply into the destination.</exception>
    internal static void MultiplyInto(Tensor destination, Tensor a, Tensor weight, bool transposeB)
    {
        if (a.Rank != 2 || weight.Rank != 2 || destination.Rank != 2)
            throw new ShapeMismatchException("GemmPackedB", a.Shape, weight.Shape, "need a [m, k], a weight of rank 2 and a destination [m, n]");
        int m = a.Dim(0), k = a.Dim(1), n = transposeB ? weight.Dim(0) : weight.Dim(1);
        if ((transposeB ? weight.Dim(1) : weight.Dim(0)) != k || destination.Dim(0) != m || destination.Dim(1) != n)
            throw new ShapeMismatchException("GemmPackedB", a.Shape, weight.Shape,
                $"need op(weight) [{k}, {n}] (transposeB={transposeB}) and a destination [{m}, {n}], got {ShapeUtil.Format(destination.Shape)}");
        var cache = For(weight);
        Gemm.Multiply(a.Values, weight.Values, destination.Data, m, n, k, false, transposeB, false, GemmPath.Auto, Environment.ProcessorCount, cache);
    }

    /// <summary>This thread's cache of <paramref name="weight"/>.</summary>
    internal static GemmPackedB For(Tensor weight) => (perWeight ??= new()).GetValue(weight, static _ => new GemmPackedB());

    /// <summary>
    /// The panels of op(B) [k, n] for micro-kernels <paramref name="nr"/> columns wide, in the order <see cref="Gemm"/>'s
    /// blocked loop visits them (column blocks of <see cref="Gemm.NC"/>, each in depth blocks of <see cref="Gemm.KC"/>), packed
    /// again unless they were packed from exactly these values, sizes and layout.
    /// </summary>
    internal float* Panels(ReadOnlySpan<float> b, int k, int n, bool transB, int nr)
    {
        var values = b[..(k * n)];
        if (panels is null || k != this.k || n != this.n || transB != this.transB || nr != this.nr 
            || !MemoryMarshal.AsBytes(values).SequenceEqual(MemoryMarshal.AsBytes(snapshot.AsSpan())))   // bitwise: a vectorised memcmp
        {
            long size = 0;
            for (int jc = 0; jc < n; jc += Gemm.NC) size += (long)k * RoundUp(Math.Min(Gemm.NC, n - jc), nr);
            if (panels is null || panels.Length < size + 16) panels = GC.AllocateUninitializedArray<float>((int)size + 16, pinned: true);
            if (snapshot.Length != values.Length) snapshot = new float[values.Length];
            values.CopyTo(snapshot);
            (this.k, this.n, this.transB, this.nr) = (k, n, transB, nr);
            float* dst = Aligned(panels);
            fixed (float* pb = values)
                for (int jc = 0; jc < n; jc += Gemm.NC)
                {
                    int nc = Math.Min(Gemm.NC, n - jc);
                    for (int pc = 0; pc < k; pc += Gemm.KC)
                    {
                        int kc = Math.Min(Gemm.KC, k - pc);
                        GemmPacking.PackB(pb, transB ? k : n, transB, pc, kc, jc, nc, nr, dst);
                        dst += (nint)kc * RoundUp(nc, nr);
                    }
                }
            Packs++;
        }
        return Aligned(panels);
    }

    // Pinned-heap arrays never move, so the address stays valid for the array's lifetime; 64-byte aligned as GemmBuffers.
    private static float* Aligned(float[] buffer) =>
        (float*)(((nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer)) + 63) & ~(nint)63);

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
