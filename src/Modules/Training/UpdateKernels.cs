using System.Numerics;
using System.Runtime.InteropServices;

namespace Modules.Training;

/// <summary>
/// The optimizers' per-parameter updates as single passes over the parameter, its gradient and its slots (SIMD
/// vectors, then a scalar tail), with no scratch buffers. Each keeps the order of the float operations of the
/// textbook formula written step by step (products and sums are not fused), so results do not depend on the
/// vector width.
/// </summary>
internal static class UpdateKernels
{
    /// <summary>TF1 RMSProp without momentum: <c>ms ← decay·ms + (1−decay)·g²</c>, <c>p ← p − lr·g/sqrt(ms + ε)</c>.</summary>
    public static void RmsPropTf1(Span<float> p, Span<float> ms, ReadOnlySpan<float> g, float decay, float epsilon, float lr)
    {
        var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
        var mv = MemoryMarshal.Cast<float, Vector<float>>(ms);
        var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
        Vector<float> d = new(decay), oneMinusD = new(1 - decay), e = new(epsilon), minusLr = new(-lr);
        for (int k = 0; k < pv.Length; k++)
        {
            var gk = gv[k];
            var m = gk * gk * oneMinusD + mv[k] * d;
            mv[k] = m;
            pv[k] = gk / Vector.SquareRoot(m + e) * minusLr + pv[k];
        }
        for (int i = pv.Length * Vector<float>.Count; i < p.Length; i++)
        {
            float gi = g[i];
            float m = gi * gi * (1 - decay) + ms[i] * decay;
            ms[i] = m;
            p[i] = gi / MathF.Sqrt(m + epsilon) * -lr + p[i];
        }
    }

    /// <summary>
    /// RMSProp with momentum. TF1: <c>mom ← μ·mom + lr·g/sqrt(ms + ε)</c>, <c>p ← p − mom</c>; PyTorch:
    /// <c>mom ← μ·mom + g/(sqrt(ms) + ε)</c>, <c>p ← p − lr·mom</c>. Without momentum the PyTorch flavour passes
    /// <paramref name="mom"/> empty and <c>p ← p − lr·g/(sqrt(ms) + ε)</c>.
    /// </summary>
    public static void RmsProp(Span<float> p, Span<float> ms, Span<float> mom, ReadOnlySpan<float> g, float decay, float epsilon, float lr,
        float momentum, bool tf1)
    {
        bool hasMomentum = !mom.IsEmpty;
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i];
            float m = gi * gi * (1 - decay) + ms[i] * decay;
            ms[i] = m;
            float step = tf1 ? gi / MathF.Sqrt(m + epsilon) : gi / (MathF.Sqrt(m) + epsilon);
            if (!hasMomentum) { p[i] = step * -lr + p[i]; continue; }
            if (tf1)
            {
                float velocity = mom[i] * momentum + step * lr;
                mom[i] = velocity;
                p[i] -= velocity;
            }
            else
            {
                float velocity = mom[i] * momentum + step;
                mom[i] = velocity;
                p[i] = velocity * -lr + p[i];
            }
        }
    }

    /// <summary>
    /// Adam: <c>m ← β1·m + (1−β1)·g</c>, <c>v ← β2·v + (1−β2)·g²</c>,
    /// <c>p ← p − stepSize·m / (sqrt(v)·inverseSqrtCorrection2 + ε)</c>.
    /// </summary>
    public static void Adam(Span<float> p, Span<float> m, Span<float> v, ReadOnlySpan<float> g, float beta1, float beta2, float epsilon,
        float stepSize, float inverseSqrtCorrection2)
    {
        var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
        var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
        var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
        var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
        Vector<float> b1 = new(beta1), oneMinusB1 = new(1 - beta1), b2 = new(beta2), oneMinusB2 = new(1 - beta2);
        Vector<float> e = new(epsilon), minusStep = new(-stepSize), correction = new(inverseSqrtCorrection2);
        for (int k = 0; k < pv.Length; k++)
        {
            var gk = gv[k];
            var mk = gk * oneMinusB1 + mv[k] * b1;
            var vk = gk * gk * oneMinusB2 + vv[k] * b2;
            mv[k] = mk;
            vv[k] = vk;
            pv[k] = mk / (Vector.SquareRoot(vk) * correction + e) * minusStep + pv[k];
        }
        for (int i = pv.Length * Vector<float>.Count; i < p.Length; i++)
        {
            float gi = g[i];
            float mi = gi * (1 - beta1) + m[i] * beta1;
            float vi = gi * gi * (1 - beta2) + v[i] * beta2;
            m[i] = mi;
            v[i] = vi;
            p[i] = mi / (MathF.Sqrt(vi) * inverseSqrtCorrection2 + epsilon) * -stepSize + p[i];
        }
    }

    /// <summary>SGD with momentum: <c>buf ← momentum·buf + g</c>, <c>p ← p − lr·buf</c>.</summary>
    public static void SgdMomentum(Span<float> p, Span<float> buf, ReadOnlySpan<float> g, float momentum, float lr)
    {
        var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
        var bv = MemoryMarshal.Cast<float, Vector<float>>(buf);
        var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
        Vector<float> mu = new(momentum), minusLr = new(-lr);
        for (int k = 0; k < pv.Length; k++)
        {
            var b = bv[k] * mu + gv[k];
            bv[k] = b;
            pv[k] = b * minusLr + pv[k];
        }
        for (int i = pv.Length * Vector<float>.Count; i < p.Length; i++)
        {
            float b = buf[i] * momentum + g[i];
            buf[i] = b;
            p[i] = b * -lr + p[i];
        }
    }
}
