using System.Globalization;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Checkpoints;

/// <summary>
/// A checkpoint that passed every check of <see cref="Checkpoint.Read"/>, ready to be restored into a model and an
/// optimizer. Whether its checksums were verified is <see cref="Verified"/>: files written before checkpoints recorded
/// checksums still load, but say so.
/// </summary>
public sealed class CheckpointFile
{
    internal CheckpointFile(string path, bool verified, long? step, string? optimizerName, IReadOnlyDictionary<string, string> metadata,
        IReadOnlyList<KeyValuePair<string, Tensor>> parameters, IReadOnlyList<KeyValuePair<string, Tensor>> slots)
    {
        Path = path;
        Verified = verified;
        Step = step;
        OptimizerName = optimizerName;
        Metadata = metadata;
        Parameters = parameters;
        Slots = slots;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>
    /// True when the file recorded SHA-256 checksums of every tensor, of the data section and of the header and all
    /// matched. False for a file written without checksums (by the previous version of <see cref="Checkpoint.Save(string, IEnumerable{KeyValuePair{string, Tensor}}, Optimizer?, IReadOnlyDictionary{string, string}?)"/>):
    /// every other check passed, but a flipped bit in its data could not be detected. Callers should say so.
    /// </summary>
    public bool Verified { get; }

    /// <summary>The training step recorded under <see cref="Checkpoint.StepKey"/>, or null when the header has none.</summary>
    public long? Step { get; }

    /// <summary>The name of the optimizer whose state the file holds (<c>rmsprop</c>), or null when it holds none.</summary>
    public string? OptimizerName { get; }

    /// <summary>The header's metadata strings (step, configuration, RNG states, ...), without the checksum entries.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The parameters by path (without <see cref="Checkpoint.ParameterPrefix"/>), in file order; all finite.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Parameters { get; }

    /// <summary>The optimizer state by name as <see cref="Optimizer.Slots"/> names it (without <see cref="Checkpoint.SlotPrefix"/>).</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Slots { get; }

    /// <summary>
    /// Copies the checkpoint into <paramref name="parameters"/> (the existing tensors keep their identity) and, when
    /// given, <paramref name="optimizer"/>'s slots and step. Checks first and throws <see cref="CheckpointMismatchException"/>
    /// listing every parameter missing from the file, every extra one in it, every shape mismatch (both shapes), and
    /// optimizer state that does not fit (another optimizer's, absent, or a slot kind it does not keep); nothing is
    /// changed then. When no parameter path matches at all, the first problem names both sides' root paths.
    /// </summary>
    /// <param name="parameters">The model's parameters by path.</param>
    /// <param name="optimizer">Receives the saved slots and step; the file must hold its state. Null ignores saved slots.</param>
    public void Restore(IEnumerable<KeyValuePair<string, Tensor>> parameters, Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var problems = new List<string>();
        var saved = Parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var targets = new List<(Tensor Target, Tensor Source)>();
        var model = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, parameter) in parameters)
        {
            if (!model.Add(name)) continue;
            if (!saved.TryGetValue(name, out var stored))
                problems.Add($"parameter '{name}' {ShapeUtil.Format(parameter.Shape)} is missing from the checkpoint");
            else if (!stored.Shape.SequenceEqual(parameter.Shape))
                problems.Add($"parameter '{name}': checkpoint has {ShapeUtil.Format(stored.Shape)}, model has {ShapeUtil.Format(parameter.Shape)}");
            else
                targets.Add((parameter, stored));
        }
        foreach (var (name, stored) in Parameters)
            if (!model.Contains(name)) problems.Add($"parameter '{name}' {ShapeUtil.Format(stored.Shape)} is in the checkpoint but not in the model");
        // No path in common: most likely another model (or a renamed root), which the roots say at a glance.
        if (model.Count > 0 && saved.Count > 0 && !model.Overlaps(saved.Keys))
            problems.Insert(0, $"no parameter path matches: the model's are under {Roots(model)}, the checkpoint's under {Roots(saved.Keys)}");

        if (optimizer is not null)
        {
            if (OptimizerName is null)
                problems.Add($"the checkpoint holds no optimizer state for '{optimizer.Name}'");
            else if (OptimizerName != optimizer.Name)
                problems.Add($"the checkpoint holds '{OptimizerName}' optimizer state, the optimizer is '{optimizer.Name}'");
            else
                foreach (var (name, _) in Slots)
                    if (name != $"{optimizer.Name}/step" && optimizer.ParameterPathOf(name) is null)
                        problems.Add($"slot '{name}' is not a kind optimizer '{optimizer.Name}' keeps ({string.Join(", ", optimizer.SlotKinds)})");
        }
        if (problems.Count > 0) throw new CheckpointMismatchException(Path, problems);

        using (Tensor.NoGrad())
            foreach (var (target, source) in targets) target.CopyFrom(source);
        optimizer?.LoadSlots(Slots);
    }

    /// <summary>The distinct first path segments, quoted with a trailing slash: <c>'dnc/'</c>.</summary>
    private static string Roots(IEnumerable<string> paths) =>
        string.Join(", ", paths.Select(p => p.IndexOf('/') is var i and >= 0 ? p[..(i + 1)] : p).Distinct(StringComparer.Ordinal).Select(r => $"'{r}'"));

    /// <summary>
    /// Loads the checkpoint into <paramref name="module"/>, which need not have been called yet: parameters it has not
    /// created are assigned from the checkpoint (<see cref="Module.SetParameter"/>; their <c>GetX</c> then checks the shape
    /// on the first call), the rest are checked and copied as by the other overload. Throws
    /// <see cref="CheckpointMismatchException"/> when the module still lacks parameters afterwards (they are not in the
    /// checkpoint) or anything else does not match; parameters assigned before the check stay assigned.
    /// </summary>
    /// <param name="module">The root module (its name is the first part of every parameter path).</param>
    /// <param name="optimizer">Receives the saved slots and step, or null.</param>
    public void Restore(Module module, Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!module.IsConnected)
        {
            var created = module.NamedParameters().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var (name, tensor) in Parameters)
            {
                if (created.Contains(name)) continue;
                try
                {
                    module.SetParameter(name, tensor.Clone());
                }
                catch (KeyNotFoundException)
                {
                    // Not a parameter of this module: reported as an extra parameter by the check below.
                }
            }
            if (!module.IsConnected)
                throw new CheckpointMismatchException(Path,
                    [$"module '{module.Name}' has parameters that are neither created nor in the checkpoint (call the module once to have them listed by path)"]);
        }
        Restore(module.NamedParameters(), optimizer);
    }

    /// <summary>
    /// Restores <paramref name="generator"/> from the state stored under <paramref name="key"/> (as
    /// <see cref="Generator.SaveState"/> wrote it: five words of 16 hex digits, comma-separated). The text is checked
    /// before the generator is touched.
    /// </summary>
    /// <param name="key">The metadata key, e.g. <see cref="Checkpoint.RngStateKey"/>.</param>
    /// <param name="generator">The generator to restore.</param>
    /// <exception cref="CheckpointException">The key is absent or its value is not such a state.</exception>
    public void RestoreGenerator(string key, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(generator);
        if (!Metadata.TryGetValue(key, out var text)) throw new CheckpointException(Path, $"the header has no '{key}'");
        if (!IsGeneratorState(text))
            throw new CheckpointException(Path, $"'{key}' is not a generator state (five comma-separated words of 16 hex digits): '{Checkpoint.Shorten(text)}'");
        generator.LoadState(text);
    }

    internal static bool IsGeneratorState(string text)
    {
        var words = text.Split(',');
        return words.Length == 5 && words.All(w => w.Length == 16 && ulong.TryParse(w, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _));
    }
}
