namespace Modules.Training;

/// <summary>Which framework's RMSProp update <see cref="RmsProp"/> reproduces.</summary>
public enum RmsPropFlavor
{
    /// <summary>
    /// TensorFlow 1's <c>tf.train.RMSPropOptimizer</c> (what DeepMind's DNC trains with): the mean square starts at
    /// <b>1</b> and ε sits inside the root: <c>mom ← μ·mom + lr·g/sqrt(ms + ε)</c>, <c>p ← p − mom</c>.
    /// </summary>
    TensorFlow1,

    /// <summary>
    /// PyTorch's <c>torch.optim.RMSprop</c>: the mean square starts at 0 and ε is added outside the root:
    /// <c>buf ← μ·buf + g/(sqrt(ms) + ε)</c>, <c>p ← p − lr·buf</c> (without momentum <c>p ← p − lr·g/(sqrt(ms) + ε)</c>).
    /// </summary>
    PyTorch,
}
