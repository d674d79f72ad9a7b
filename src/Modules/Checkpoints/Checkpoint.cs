using System.Globalization;
using System.Text.RegularExpressions;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Checkpoints;

/// <summary>
/// Training checkpoints as safetensors files: parameters stored as <c>param/{path}</c>, optimizer slots as
/// <c>slot/{name}</c> (e.g. <c>slot/rmsprop/ms/dnc/lstm/w_gates</c>), and string metadata (step, configuration, RNG
/// state, ...) in the header. Saving is atomic (a temporary file renamed over the target); loading verifies that the
/// checkpoint fits the model before changing anything. Files in a run directory are named <c>ckpt-000100.safetensors</c>.
/// </summary>
public static partial class Checkpoint
{
    /// <summary>Name prefix of parameter tensors.</summary>
    public const string ParameterPrefix = "param/";

    /// <summary>Name prefix of optimizer slot tensors.</summary>
    public const string SlotPrefix = "slot/";

    /// <summary>Metadata key of the training step (decimal integer); filled from the optimizer when not given.</summary>
    public const string StepKey = "step";

    /// <summary>Metadata key of the optimizer's <see cref="Optimizer.Name"/>, written when an optimizer is saved.</summary>
    public const string OptimizerKey = "optimizer";

    /// <summary>Metadata key suggested for the run's configuration (a JSON text).</summary>
    public const string ConfigurationKey = "configuration";

    /// <summary>Metadata key suggested for the RNG state (<see cref="Generator.SaveState"/>).</summary>
    public const string RngStateKey = "rng_state";

    /// <summary>
    /// Writes a checkpoint atomically: to <c>{path}.tmp</c> first, then renamed over <paramref name="path"/>, so a crash
    /// never leaves a half-written checkpoint under the real name. Creates the directory if needed.
    /// </summary>
    /// <param name="path">The checkpoint file (e.g. from <see cref="PathFor"/>).</param>
    /// <param name="parameters">Parameters by path, as <c>Module.NamedParameters()</c> returns them.</param>
    /// <param name="optimizer">Whose slots and step to save, or null.</param>
    /// <param name="metadata">Strings to store (e.g. <see cref="StepKey"/>, <see cref="ConfigurationKey"/>, <see cref="RngStateKey"/>).</param>
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
        if (optimizer is not null)
        {
            foreach (var (name, slot) in optimizer.Slots) entries.Add(new(SlotPrefix + name, slot));
            header[OptimizerKey] = optimizer.Name;
            header.TryAdd(StepKey, optimizer.StepCount.ToString(CultureInfo.InvariantCulture));
        }

        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        string temporary = full + ".tmp";
        try
        {
            SafeTensors.Write(temporary, entries, header);
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Loads a checkpoint into <paramref name="parameters"/> (copied into the existing tensors, which keep their
    /// identity) and, when given, <paramref name="optimizer"/>'s slots and step. Verifies first and throws
    /// <see cref="CheckpointMismatchException"/> listing every parameter missing from the file, every extra one in it,
    /// every shape mismatch (both shapes), and optimizer state that does not fit; nothing is changed then.
    /// Malformed files throw <see cref="SafeTensorsFormatException"/>.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="parameters">The model's parameters by path.</param>
    /// <param name="optimizer">Receives the saved slots and step; the file must hold its state. Null ignores saved slots.</param>
    /// <returns>The checkpoint's metadata.</returns>
    public static IReadOnlyDictionary<string, string> Load(string path, IEnumerable<KeyValuePair<string, Tensor>> parameters,
        Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(parameters);
        var file = SafeTensors.Read(path);
        var problems = new List<string>();

        var saved = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var slots = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, tensor) in file.Tensors)
        {
            if (name.StartsWith(ParameterPrefix, StringComparison.Ordinal)) saved[name[ParameterPrefix.Length..]] = tensor;
            else if (name.StartsWith(SlotPrefix, StringComparison.Ordinal)) slots.Add(new(name[SlotPrefix.Length..], tensor));
            else problems.Add($"entry '{name}' is neither a parameter ('{ParameterPrefix}…') nor an optimizer slot ('{SlotPrefix}…')");
        }

        var targets = new List<(Tensor Target, Tensor Source)>();
        var model = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, parameter) in parameters)
        {
            if (!model.TryAdd(name, parameter)) continue;
            if (!saved.TryGetValue(name, out var stored))
                problems.Add($"parameter '{name}' {Format(parameter.Shape)} is missing from the checkpoint");
            else if (!stored.Shape.SequenceEqual(parameter.Shape))
                problems.Add($"parameter '{name}': checkpoint has {Format(stored.Shape)}, model has {Format(parameter.Shape)}");
            else
                targets.Add((parameter, stored));
        }
        foreach (var (name, stored) in saved)
            if (!model.ContainsKey(name)) problems.Add($"parameter '{name}' {Format(stored.Shape)} is in the checkpoint but not in the model");

        if (optimizer is not null) CheckSlots(optimizer, slots, model, file.Metadata, problems);
        if (problems.Count > 0) throw new CheckpointMismatchException(path, problems);

        using (Tensor.NoGrad())
            foreach (var (target, source) in targets) target.CopyFrom(source);
        optimizer?.LoadSlots(slots);
        return file.Metadata;
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
    /// Loads a checkpoint into <paramref name="module"/>, which need not have been called yet: parameters it has not
    /// created are assigned from the checkpoint (<see cref="Module.SetParameter"/>; their <c>GetX</c> then checks the shape
    /// on the first call), the rest are verified and copied as by the main overload. Throws
    /// <see cref="CheckpointMismatchException"/> when the module still lacks parameters afterwards (they are not in the
    /// checkpoint) or anything else does not match; parameters assigned before the check stay assigned.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="module">The root module (its name is the first part of every parameter path).</param>
    /// <param name="optimizer">Receives the saved slots and step, or null.</param>
    /// <returns>The checkpoint's metadata.</returns>
    public static IReadOnlyDictionary<string, string> Load(string path, Module module, Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!module.IsConnected)
        {
            var created = module.NamedParameters().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var (name, tensor) in SafeTensors.Read(path).Tensors)
            {
                if (!name.StartsWith(ParameterPrefix, StringComparison.Ordinal)) continue;
                string parameterPath = name[ParameterPrefix.Length..];
                if (created.Contains(parameterPath)) continue;
                try
                {
                    module.SetParameter(parameterPath, tensor.Clone());
                }
                catch (KeyNotFoundException)
                {
                    // Not a parameter of this module: reported as an extra parameter by the verification below.
                }
            }
            if (!module.IsConnected)
                throw new CheckpointMismatchException(path,
                    [$"module '{module.Name}' has parameters that are neither created nor in the checkpoint (call the module once to have them listed by path)"]);
        }
        return Load(path, module.NamedParameters(), optimizer);
    }

    private static void CheckSlots(Optimizer optimizer, List<KeyValuePair<string, Tensor>> slots, Dictionary<string, Tensor> model,
        IReadOnlyDictionary<string, string> metadata, List<string> problems)
    {
        if (slots.Count == 0)
        {
            problems.Add($"the checkpoint holds no optimizer state for '{optimizer.Name}'");
            return;
        }
        if (metadata.TryGetValue(OptimizerKey, out var savedName) && savedName != optimizer.Name)
        {
            problems.Add($"the checkpoint holds '{savedName}' optimizer state, the optimizer is '{optimizer.Name}'");
            return;
        }
        foreach (var (name, slot) in slots)
        {
            if (name == $"{optimizer.Name}/step") continue;
            string? parameterPath = optimizer.ParameterPathOf(name);
            if (parameterPath is null)
                problems.Add($"slot '{name}' does not belong to optimizer '{optimizer.Name}'");
            else if (!model.TryGetValue(parameterPath, out var parameter))
                problems.Add($"slot '{name}' is for parameter '{parameterPath}', which the model does not have");
            else if (!slot.Shape.SequenceEqual(parameter.Shape))
                problems.Add($"slot '{name}': checkpoint has {Format(slot.Shape)}, parameter has {Format(parameter.Shape)}");
        }
    }

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
    /// The checkpoint with the highest step in <paramref name="directory"/> (files named like <c>ckpt-000100.safetensors</c>;
    /// temporary and other files are ignored), or null when there is none or the directory does not exist.
    /// </summary>
    /// <param name="directory">The run's checkpoint directory.</param>
    public static string? FindLatest(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory)) return null;
        string? best = null;
        long bestStep = -1;
        foreach (string file in Directory.EnumerateFiles(directory, "ckpt-*.safetensors"))
        {
            if (StepOf(file) is long step && step > bestStep)
            {
                bestStep = step;
                best = file;
            }
        }
        return best;
    }

    /// <summary>
    /// Deletes all but the <paramref name="keep"/> highest-step checkpoints in <paramref name="directory"/> (files named
    /// like <c>ckpt-000100.safetensors</c>; other files are left alone). Returns the deleted paths, lowest step first.
    /// </summary>
    /// <param name="directory">The run's checkpoint directory; nothing happens when it does not exist.</param>
    /// <param name="keep">How many of the newest checkpoints to keep; at least 1.</param>
    public static IReadOnlyList<string> DeleteAllButLatest(string directory, int keep)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        if (!Directory.Exists(directory)) return [];
        var byStep = Directory.EnumerateFiles(directory, "ckpt-*.safetensors")
            .Select(file => (File: file, Step: StepOf(file)))
            .Where(c => c.Step is not null)
            .OrderBy(c => c.Step)
            .ToList();
        var deleted = byStep.Take(Math.Max(0, byStep.Count - keep)).Select(c => c.File).ToList();
        foreach (var file in deleted) File.Delete(file);
        return deleted;
    }

    [GeneratedRegex(@"^ckpt-(\d+)\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex CheckpointName();

    private static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
