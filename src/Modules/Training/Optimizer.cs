using Modules.Tensors;

namespace Modules.Training;

/// <summary>
/// Base of the gradient-descent optimizers. <see cref="Step"/> takes the parameters by path (as
/// <c>Module.NamedParameters()</c> returns them), reads each one's <see cref="Tensor.Grad"/> (null: skipped) and updates
/// the parameter's elements in place. Per-parameter state ("slots") is created lazily on the first update of a path,
/// so parameters that modules create on their first call need no registration. Slots are named
/// <c>{Name}/{slot}/{parameter path}</c> (e.g. <c>rmsprop/ms/dnc/lstm/w_gates</c>) plus the step counter
/// <c>{Name}/step</c>, and can be saved and restored through <see cref="Slots"/> and <see cref="LoadSlots"/>.
/// </summary>
public abstract class Optimizer
{
    private readonly List<KeyValuePair<string, Tensor>> slots = [];
    private readonly Dictionary<string, int> slotIndex = new(StringComparer.Ordinal);
    // The slots by (kind, parameter path), so a step finds them without building their names again.
    private readonly Dictionary<(string Kind, string Path), Tensor> slotCache = [];

    /// <summary>Creates an optimizer whose slot names start with <paramref name="name"/>.</summary>
    /// <param name="name">The slot-name prefix, e.g. <c>adam</c>.</param>
    /// <param name="learningRate">The step size; must be positive and finite.</param>
    /// <param name="slotKinds">The per-parameter slot kinds this optimizer keeps, e.g. <c>m</c> and <c>v</c>.</param>
    protected Optimizer(string name, float learningRate, params string[] slotKinds)
    {
        Name = name;
        LearningRate = learningRate;
        SlotKinds = slotKinds;
    }

    /// <summary>The slot-name prefix (<c>sgd</c>, <c>adam</c>, <c>rmsprop</c>).</summary>
    public string Name { get; }

    /// <summary>The step size applied by the next <see cref="Step"/>; may be changed between steps (schedules).</summary>
    public float LearningRate
    {
        get => learningRate;
        set
        {
            if (!(value > 0) || float.IsInfinity(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, $"{Name}: learning rate must be positive and finite");
            learningRate = value;
        }
    }

    private float learningRate;

    /// <summary>The number of <see cref="Step"/> calls made (restored by <see cref="LoadSlots"/>).</summary>
    public long StepCount { get; private set; }

    /// <summary>The per-parameter slot kinds this optimizer keeps (the middle part of a slot name).</summary>
    public IReadOnlyList<string> SlotKinds { get; }

    /// <summary>
    /// Applies one update to every parameter that has a gradient. Gradients must have their parameter's shape.
    /// Runs without recording gradients; the parameters keep their identity (updated in place).
    /// </summary>
    /// <param name="parameters">Parameters by path; the path names the parameter's slots.</param>
    public void Step(IEnumerable<KeyValuePair<string, Tensor>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        StepCount++;
        using var _ = Tensor.NoGrad();
        if (parameters is IReadOnlyList<KeyValuePair<string, Tensor>> list)
        {
            for (int i = 0; i < list.Count; i++) StepOne(list[i].Key, list[i].Value); // no enumerator to allocate
            return;
        }
        foreach (var (path, parameter) in parameters) StepOne(path, parameter);
    }

    private void StepOne(string path, Tensor parameter)
    {
        var grad = parameter.Grad;
        if (grad is null) return;
        if (!grad.Shape.SequenceEqual(parameter.Shape))
            throw new ShapeMismatchException($"{Name}.Step", $"the gradient of {path}", parameter.Shape, grad.Shape, " (the parameter's shape)");
        Update(path, parameter, grad.Values);
    }

    /// <summary>
    /// One training iteration after the forward pass: clears the parameters' gradients, back-propagates
    /// <paramref name="loss"/>, clips the gradients to a global norm of <paramref name="maxGradNorm"/> (when
    /// positive) and applies <see cref="Step"/>.
    /// </summary>
    /// <param name="loss">A one-element loss computed from <paramref name="parameters"/>.</param>
    /// <param name="parameters">Parameters by path, as <c>Module.NamedParameters()</c> returns them.</param>
    /// <param name="maxGradNorm">The global-norm clip (TensorFlow's <c>clip_by_global_norm</c>); 0 or less: no clipping.</param>
    /// <returns>The gradients' global norm before clipping, or NaN when no clipping was asked for.</returns>
    public float Minimize(Tensor loss, IReadOnlyList<KeyValuePair<string, Tensor>> parameters, float maxGradNorm = 0f)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(parameters);
        ZeroGrad(parameters);
        loss.Backward();
        float norm = maxGradNorm > 0f ? GradientClipping.ClipGradientsByGlobalNorm(parameters, maxGradNorm) : float.NaN;
        Step(parameters);
        return norm;
    }

    /// <summary>
    /// Clears every given parameter's gradient with <see cref="Tensor.ClearGrad"/>: <see cref="Tensor.Grad"/> becomes null
    /// and the next backward pass reuses the buffer, so gradients read before this call must not be kept.
    /// </summary>
    /// <param name="parameters">Parameters by path.</param>
    public static void ZeroGrad(IEnumerable<KeyValuePair<string, Tensor>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters is IReadOnlyList<KeyValuePair<string, Tensor>> list)
        {
            for (int i = 0; i < list.Count; i++) list[i].Value.ClearGrad(); // no enumerator to allocate
            return;
        }
        foreach (var (_, parameter) in parameters) parameter.ClearGrad();
    }

    /// <summary>Updates one parameter in place from its gradient (same element count); <see cref="StepCount"/> is already incremented.</summary>
    /// <param name="path">The parameter's path, used to find its slots.</param>
    /// <param name="parameter">The parameter; write to its <see cref="Tensor.Data"/>.</param>
    /// <param name="grad">The gradient's elements.</param>
    protected abstract void Update(string path, Tensor parameter, ReadOnlySpan<float> grad);

    /// <summary>
    /// The elements of slot <paramref name="kind"/> for the parameter at <paramref name="path"/>, created with the
    /// parameter's shape and filled with <paramref name="initialValue"/> on first use.
    /// </summary>
    protected Span<float> Slot(string kind, string path, Tensor parameter, float initialValue)
    {
        if (slotCache.TryGetValue((kind, path), out var cached) && cached.Shape.SequenceEqual(parameter.Shape)) return cached.Data;
        string name = $"{Name}/{kind}/{path}";
        if (slotIndex.TryGetValue(name, out int index))
        {
            var existing = slots[index].Value;
            if (!existing.Shape.SequenceEqual(parameter.Shape))
                throw new ShapeMismatchException($"{Name}.Step", $"the restored slot {name}", parameter.Shape, existing.Shape, " (its parameter's shape)");
            slotCache[(kind, path)] = existing;
            return existing.Data;
        }
        var created = Tensor.Full(parameter.ShapeArray(), initialValue);
        slotIndex[name] = slots.Count;
        slots.Add(new(name, created));
        slotCache[(kind, path)] = created;
        return created.Data;
    }

    /// <summary>
    /// The optimizer's state by name: first <c>{Name}/step</c> (a scalar holding <see cref="StepCount"/>, exact up to
    /// 2^24 steps), then every slot in the order it was created. The slot tensors are the live state, not copies.
    /// </summary>
    public IEnumerable<KeyValuePair<string, Tensor>> Slots
    {
        get
        {
            yield return new($"{Name}/step", Tensor.Scalar(StepCount));
            foreach (var slot in slots) yield return slot;
        }
    }

    /// <summary>
    /// Replaces this optimizer's state with <paramref name="state"/>, as <see cref="Slots"/> returned it (tensors are
    /// copied). Throws <see cref="ArgumentException"/> naming the entry on a name that does not belong to this
    /// optimizer or a missing step counter.
    /// </summary>
    /// <param name="state">Slot tensors by name.</param>
    public void LoadSlots(IEnumerable<KeyValuePair<string, Tensor>> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        long? step = null;
        var loaded = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, tensor) in state)
        {
            if (name == $"{Name}/step")
            {
                if (tensor.Size != 1) throw new ArgumentException($"{Name}: slot '{name}' must hold one value, got shape {ShapeUtil.Format(tensor.Shape)}");
                step = (long)tensor.Values[0];
                continue;
            }
            string prefix = Name + "/";
            int kindEnd = name.StartsWith(prefix, StringComparison.Ordinal) ? name.IndexOf('/', prefix.Length) : -1;
            string? kind = kindEnd > 0 ? name[prefix.Length..kindEnd] : null;
            if (kind is null || !SlotKinds.Contains(kind) || kindEnd == name.Length - 1)
                throw new ArgumentException(
                    $"{Name}: unknown slot '{name}' (expected '{Name}/step' or '{Name}/<{string.Join("|", SlotKinds)}>/<parameter path>')");
            loaded.Add(new(name, tensor.Clone()));
        }
        if (step is null) throw new ArgumentException($"{Name}: the state has no step counter '{Name}/step'");

        slots.Clear();
        slotIndex.Clear();
        slotCache.Clear();
        foreach (var slot in loaded)
        {
            if (!slotIndex.TryAdd(slot.Key, slots.Count)) throw new ArgumentException($"{Name}: slot '{slot.Key}' appears twice");
            slots.Add(slot);
        }
        StepCount = step.Value;
    }

    /// <summary>The parameter path a slot name refers to (<c>adam/m/net/w</c> → <c>net/w</c>), or null when the name is not one of this optimizer's per-parameter slots.</summary>
    /// <param name="slotName">A name as <see cref="Slots"/> returns it.</param>
    public string? ParameterPathOf(string slotName)
    {
        string prefix = Name + "/";
        if (!slotName.StartsWith(prefix, StringComparison.Ordinal)) return null;
        int kindEnd = slotName.IndexOf('/', prefix.Length);
        if (kindEnd < 0 || kindEnd == slotName.Length - 1) return null;
        return SlotKinds.Contains(slotName[prefix.Length..kindEnd]) ? slotName[(kindEnd + 1)..] : null;
    }
}
