namespace Modules.Tensors;

/// <summary>
/// Computes one input's gradient into <paramref name="target"/>: overwrites every element when <paramref name="accumulate"/>
/// is false, adds to the elements when it is true. <paramref name="state"/> carries the tensors it reads.
/// </summary>
internal delegate void GradKernel<TState>(TState state, Span<float> target, bool accumulate);
