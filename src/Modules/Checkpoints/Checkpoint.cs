using System.Globalization;
using System.Text.RegularExpressions;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Checkpoints;

/// <summary>
/// Training checkpoints as safetensors files: parameters stored as <c>param/{path}</c>, optimizer slots as
/// <c>slot/{name}</c> (e.g. <c>slot/rmsprop/ms/dnc/lstm/w_gates</c>), and string metadata (step, configuration, RNG
/// state, ...) in the header, with SHA-256 checksums of every tensor, of the data section and of the header. Saving is
/// atomic (a temporary file renamed over the target) and refuses non-finite values; <see cref="Read"/> checks the whole
/// file before anything is used, and loading also checks that it fits the model before changing anything. Every failure
/// to read or load is a <see cref="CheckpointException"/>. Files in a run directory are named
/// <c>ckpt-000100.safetensors</c>; see <see cref="CheckpointDirectory"/>.
/// </summary>
public static partial class Checkpoint
{
    /// <summary>Name prefix of parameter tensors.</summary>
    public const string ParameterPrefix = "param/";

    /// <summary>Name prefix of optimizer slot tensors.</summary>
    public const string SlotPrefix = "slot/";

    /// <summary>
    /// Metadata key of the training step (a decimal integer without sign or leading zeros). When the file is named
    /// <c>ckpt-NNNNNN.safetensors</c> it must be present and equal NNNNNN; <see cref="Save(string, IEnumerable{KeyValuePair{string, Tensor}}, Optimizer?, IReadOnlyDictionary{string, string}?)"/>
    /// fills it from the file name, else from the optimizer, when not given.
    /// </summary>
    public const string StepKey = "step";

    /// <summary>Metadata key of the optimizer's <see cref="Optimizer.Name"/>, written when an optimizer is saved.</summary>
    public const string OptimizerKey = "optimizer";

    /// <summary>Metadata key suggested for the run's configuration (a JSON text).</summary>
    public const string ConfigurationKey = "configuration";

    /// <summary>Metadata key suggested for the training data's RNG state (<see cref="Generator.SaveState"/>); see <see cref="CheckpointFile.RestoreGenerator"/>.</summary>
    public const string RngStateKey = "rng_state";

    /// <summary>Metadata key suggested for a second RNG's state, e.g. the one drawing report samples.</summary>
    public const string SampleRngStateKey = "sample_rng_state";

    // Per-parameter slot kinds an optimizer creates on every update whatever its settings. Kinds that only some settings
    // create (momentum) are required of every parameter as soon as one parameter has them.
    private static readonly Dictionary<string, string[]> AlwaysKeptSlotKinds = new(StringComparer.Ordinal)
    {
        ["rmsprop"] = ["ms"],
        ["adam"] = ["m", "v"],
    };

    // Slots holding running means of squares, which are never negative (a negative one makes RMSProp's square root NaN).
    private static readonly HashSet<string> NonNegativeSlotKinds = new(StringComparer.Ordinal) { "rmsprop/ms", "adam/v" };

    /// <summary>
    /// Writes a checkpoint atomically: to <c>{path}.tmp</c> first, then renamed over <paramref name="path"/>, so a crash
    /// never leaves a half-written checkpoint under the real name. Creates the directory if needed. Records checksums.
    /// </summary>
    /// <param name="path">The checkpoint file (e.g. from <see cref="PathFor"/>).</param>
    /// <param name="parameters">Parameters by path, as <c>Module.NamedParameters()</c> returns them.</param>
    /// <param name="optimizer">Whose slots and step to save, or null.</param>
    /// <param name="metadata">Strings to store (e.g. <see cref="StepKey"/>, <see cref="ConfigurationKey"/>, <see cref="RngStateKey"/>).</param>
    /// <exception cref="CheckpointException">A parameter or slot holds NaN or ±∞ (nothing is written: a checkpoint that
    /// cannot be resumed from must never replace one that can), or the file or its directory cannot be written.</exception>
    /// <exception cref="ArgumentException">The step given or implied disagrees with a <c>ckpt-NNNNNN</c> file name or is
    /// not a non-negative integer; a tensor name is given twice.</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> parameters, Optimizer? optimizer = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(parameters);
        var entries = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, tensor) in parameters) entries.Add(new(ParameterPrefix + name, tensor));
        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not null)
            foreach (var (key, value) in metadata) header[key] = value;
        if (StepOf(path) is long named) header.TryAdd(StepKey, named.ToString(CultureInfo.InvariantCulture));
        if (optimizer is not null)
        {
            foreach (var (name, slot) in optimizer.Slots) entries.Add(new(SlotPrefix + name, slot));
            header[OptimizerKey] = optimizer.Name;
            header.TryAdd(StepKey, optimizer.StepCount.ToString(CultureInfo.InvariantCulture));
        }
        if (header.TryGetValue(StepKey, out var stepText))
        {
            if (ParseStep(stepText) is not long step)
                throw new ArgumentException($"{path}: step '{stepText}' is not a non-negative integer without sign or leading zeros");
            if (StepOf(path) is long fileStep && fileStep != step)
                throw new ArgumentException($"{path}: step {step} disagrees with the file name, which says {fileStep}");
        }
        foreach (var (name, tensor) in entries)
            if (FirstNonFinite(tensor.Values) is int i)
                throw new CheckpointException(path,
                    $"not written: tensor '{name}' holds {Describe(tensor.Values[i])} at element {i}, and a checkpoint must be finite to resume from");

        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp";
        try
        {
            string? directory = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            SafeTensors.Write(temporary, entries, header, checksums: true);
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // The directory may not exist; the original error is the one to report.
            }
            if (e is IOException and not CheckpointException or UnauthorizedAccessException)
                throw new CheckpointException(path, $"cannot be written ({e.Message})", e);
            throw;
        }
    }

    /// <summary>Saves <paramref name="module"/>'s parameters (<see cref="Module.NamedParameters"/>); see the main overload.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="module">The root module whose parameters to save.</param>
    /// <param name="optimizer">Whose slots and step to save, or null.</param>
    /// <param name="metadata">Strings to store.</param>
    public static void Save(string path, Module module, Optimizer? optimizer = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        Save(path, module.NamedParameters(), optimizer, metadata);
    }

    /// <summary>
    /// Reads and checks a checkpoint without loading it anywhere. Everything about the file is checked before it is
    /// returned: that it is a regular file, the safetensors format and its checksums (<see cref="SafeTensors.Read"/>), that
    /// every tensor is a parameter or an optimizer slot and finite, that mean-square slots are not negative, that the
    /// optimizer state is complete (a step counter, and each slot kind for every parameter once the step is past 0), and
    /// that <see cref="StepKey"/> agrees with a <c>ckpt-NNNNNN</c> file name.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <returns>The checked contents; <see cref="CheckpointFile.Verified"/> says whether checksums were recorded.</returns>
    /// <exception cref="CheckpointException">Any check fails (one line naming the file and the problem).</exception>
    public static CheckpointFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = SafeTensors.Read(path);
        var parameters = new List<KeyValuePair<string, Tensor>>();
        var slots = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, tensor) in file.Tensors)
        {
            if (name.StartsWith(ParameterPrefix, StringComparison.Ordinal) && name.Length > ParameterPrefix.Length)
                parameters.Add(new(name[ParameterPrefix.Length..], tensor));
            else if (name.StartsWith(SlotPrefix, StringComparison.Ordinal) && name.Length > SlotPrefix.Length)
                slots.Add(new(name[SlotPrefix.Length..], tensor));
            else
                throw new CheckpointException(path, $"tensor '{name}' is neither a parameter ('{ParameterPrefix}…') nor an optimizer slot ('{SlotPrefix}…')");
            if (FirstNonFinite(tensor.Values) is int i)
                throw new CheckpointException(path, $"tensor '{name}' holds {Describe(tensor.Values[i])} at element {i}; a checkpoint must be finite");
        }

        long? step = null;
        if (file.Metadata.TryGetValue(StepKey, out var stepText))
            step = ParseStep(stepText) ?? throw new CheckpointException(path, $"step '{Shorten(stepText)}' is not a non-negative integer");
        if (StepOf(path) is long fileStep && step != fileStep)
            throw new CheckpointException(path, step is null
                ? $"the file name says step {fileStep} but the header records no '{StepKey}'"
                : $"the header says step {step} but the file name says {fileStep}");

        string? optimizerName = CheckOptimizerState(path, parameters, slots, file.Metadata);
        return new CheckpointFile(path, file.Verified, step, optimizerName, file.Metadata, parameters, slots);
    }

    /// <summary>
    /// Reads a checkpoint (<see cref="Read"/>) and loads it into <paramref name="parameters"/> and, when given,
    /// <paramref name="optimizer"/>; see <see cref="CheckpointFile.Restore(IEnumerable{KeyValuePair{string, Tensor}}, Optimizer?)"/>.
    /// Use <see cref="Read"/> and <see cref="CheckpointFile.Restore(IEnumerable{KeyValuePair{string, Tensor}}, Optimizer?)"/>
    /// to learn whether the file was <see cref="CheckpointFile.Verified"/>.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="parameters">The model's parameters by path.</param>
    /// <param name="optimizer">Receives the saved slots and step; the file must hold its state. Null ignores saved slots.</param>
    /// <returns>The checkpoint's metadata.</returns>
    /// <exception cref="CheckpointException">The file fails a check, or (<see cref="CheckpointMismatchException"/>) does not fit.</exception>
    public static IReadOnlyDictionary<string, string> Load(string path, IEnumerable<KeyValuePair<string, Tensor>> parameters,
        Optimizer? optimizer = null)
    {
        var file = Read(path);
        file.Restore(parameters, optimizer);
        return file.Metadata;
    }

    /// <summary>Reads a checkpoint and loads it into <paramref name="module"/>; see <see cref="CheckpointFile.Restore(Module, Optimizer?)"/>.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="module">The root module (its name is the first part of every parameter path).</param>
    /// <param name="optimizer">Receives the saved slots and step, or null.</param>
    /// <returns>The checkpoint's metadata.</returns>
    /// <exception cref="CheckpointException">The file fails a check, or (<see cref="CheckpointMismatchException"/>) does not fit.</exception>
    public static IReadOnlyDictionary<string, string> Load(string path, Module module, Optimizer? optimizer = null)
    {
        var file = Read(path);
        file.Restore(module, optimizer);
        return file.Metadata;
    }

    // Checks the slots against each other and the parameters; returns the optimizer's name (null without slots).
    private static string? CheckOptimizerState(string path, List<KeyValuePair<string, Tensor>> parameters, List<KeyValuePair<string, Tensor>> slots,
        IReadOnlyDictionary<string, string> metadata)
    {
        metadata.TryGetValue(OptimizerKey, out var recorded);
        if (slots.Count == 0)
            return recorded is null ? null : throw new CheckpointException(path, $"the header names optimizer '{recorded}' but the file holds no optimizer state");
        string name = slots[0].Key.Split('/')[0];
        if (recorded is not null && recorded != name)
            throw new CheckpointException(path, $"the header names optimizer '{recorded}' but the slots are '{name}' state");

        var shapes = parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var present = new HashSet<(string Kind, string Parameter)>();
        var kinds = new SortedSet<string>(AlwaysKeptSlotKinds.GetValueOrDefault(name, []), StringComparer.Ordinal);
        double? stepValue = null;
        foreach (var (slotName, slot) in slots)
        {
            if (slotName == $"{name}/step")
            {
                if (slot.Size != 1 || slot.Values[0] < 0 || slot.Values[0] != Math.Floor(slot.Values[0]))
                    throw new CheckpointException(path, $"slot '{SlotPrefix}{slotName}' must hold one non-negative whole number, got {ShapeUtil.Format(slot.Shape)} starting {(slot.Size > 0 ? Describe(slot.Values[0]) : "empty")}");
                stepValue = slot.Values[0];
                continue;
            }
            var parts = slotName.Split('/', 3);
            if (parts[0] != name)
                throw new CheckpointException(path, $"slot '{SlotPrefix}{slotName}' belongs to another optimizer than '{name}'");
            if (parts.Length < 3 || parts[1].Length == 0 || parts[2].Length == 0)
                throw new CheckpointException(path, $"slot '{SlotPrefix}{slotName}' is neither '{name}/step' nor '{name}/<kind>/<parameter path>'");
            string kind = parts[1], parameter = parts[2];
            if (!shapes.TryGetValue(parameter, out var owner))
                throw new CheckpointException(path, $"slot '{SlotPrefix}{slotName}' is for parameter '{parameter}', which the file does not hold");
            if (!slot.Shape.SequenceEqual(owner.Shape))
                throw new CheckpointException(path, $"slot '{SlotPrefix}{slotName}' has shape {ShapeUtil.Format(slot.Shape)}, its parameter {ShapeUtil.Format(owner.Shape)}");
            if (NonNegativeSlotKinds.Contains($"{name}/{kind}") && FirstNegative(slot.Values) is int i)
                throw new CheckpointException(path, $"slot '{SlotPrefix}{slotName}' holds the negative mean square {Describe(slot.Values[i])} at element {i}");
            kinds.Add(kind);
            present.Add((kind, parameter));
        }
        if (stepValue is null) throw new CheckpointException(path, $"the optimizer state has no step counter '{SlotPrefix}{name}/step'");
        // Before the first update an optimizer has no per-parameter slots; after it, every parameter has each kind.
        if (stepValue > 0)
        {
            var missing = (from p in parameters from k in kinds where !present.Contains((k, p.Key)) select $"{SlotPrefix}{name}/{k}/{p.Key}").ToList();
            if (missing.Count > 0)
                throw new CheckpointException(path,
                    $"optimizer state is incomplete at step {stepValue}: slot '{missing[0]}' is missing" + (missing.Count > 1 ? $" (and {missing.Count - 1} more)" : ""));
        }
        return name;
    }

    /// <summary>A step as <see cref="StepKey"/> stores it: decimal digits without sign or leading zeros that fit a long; else null.</summary>
    internal static long? ParseStep(string text) =>
        text.Length > 0 && (text == "0" || text[0] != '0') && text.All(char.IsAsciiDigit)
        && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long step)
            ? step
            : null;

    private static int? FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return null;
    }

    private static int? FirstNegative(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (values[i] < 0) return i;
        return null;
    }

    private static string Describe(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    internal static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    /// <summary>The file name of the checkpoint at <paramref name="step"/>: <c>ckpt-000100.safetensors</c> (at least six digits).</summary>
    /// <param name="step">The training step; non-negative.</param>
    public static string FileName(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return $"ckpt-{step.ToString("D6", CultureInfo.InvariantCulture)}.safetensors";
    }

    /// <summary>The path of the checkpoint at <paramref name="step"/> in <paramref name="directory"/>.</summary>
    /// <param name="directory">The run's checkpoint directory.</param>
    /// <param name="step">The training step.</param>
    public static string PathFor(string directory, long step) => Path.Combine(directory, FileName(step));

    /// <summary>The step encoded in a checkpoint file name (<c>ckpt-000100.safetensors</c> → 100), or null for other names.</summary>
    /// <param name="path">A path or file name.</param>
    public static long? StepOf(string path)
    {
        var match = CheckpointName().Match(Path.GetFileName(path));
        return match.Success && long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out long step)
            ? step
            : null;
    }

    /// <summary>
    /// The checkpoint with the highest step in <paramref name="directory"/> (entries named like <c>ckpt-000100.safetensors</c>;
    /// temporary and other files are ignored), or null when there is none or the directory does not exist. Only the name
    /// is looked at: <see cref="CheckpointDirectory.FindLatestValid"/> also reads the files.
    /// </summary>
    /// <param name="directory">The run's checkpoint directory.</param>
    public static string? FindLatest(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return CheckpointDirectory.ListByStep(directory).FirstOrDefault().Path;
    }

    [GeneratedRegex(@"^ckpt-(\d+)\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex CheckpointName();

}
