namespace Modules.Tensors;

/// <summary>Double-precision scalar helpers for ops that must stay accurate at extreme inputs.</summary>
internal static class ScalarMath
{
    /// <summary>log(1 + u), accurate for tiny u (where 1 + u rounds to 1 and a plain log would return 0).</summary>
    public static double Log1p(double u)
    {
        double w = 1.0 + u;
        // The ratio u / (w − 1) corrects for the rounding of 1 + u (Goldberg's trick).
        return w == 1.0 ? u : Math.Log(w) * u / (w - 1.0);
    }

    /// <summary>1 / (1 + e^−x) without overflow for large |x|.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0) return 1.0 / (1.0 + Math.Exp(-x));
        double e = Math.Exp(x);
        return e / (1.0 + e);
    }
}
