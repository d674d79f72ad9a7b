using System.Globalization;
using Modules.Dnc.Tasks.Graph;

namespace DncTrain;

/// <summary>
/// What a configuration needs before anything is allocated: its parameter count, the bytes of parameters, gradients and
/// optimizer slots, the bytes of the episode state kept for backward, and its largest single tensor. Every size is
/// computed in <see cref="double"/>, so flags such as <c>--memory-size 100000000</c> give numbers rather than overflows.
/// </summary>
/// <remarks>
/// The estimate is a lower bound: per batch entry and time step it counts the core's recurrent state once (for the DNC:
/// memory N·Wd, the N×N link and the precedence N per write head, usage N, write weights W·N, read weights R·N, read
/// words R·Wd, controller h and c 2H), kept for backward over the longest episode (T steps) plus the live state; the
/// intermediates of a step come on top. A run refused by it cannot fit; one accepted may still run out of memory.
/// The sparse cores keep the N·Wd memory (and the SDNC its 2·N·K_L link entries) once per batch entry and per step only
/// what a step touches. All values are float32 (4 bytes).
/// </remarks>
/// <param name="Parameters">Trainable parameters of the model.</param>
/// <param name="ParameterBytes">Parameters, their gradients and RMSProp's mean-square slot: 3 · 4 bytes per parameter.</param>
/// <param name="EpisodeBytes">The episode state kept for backward: 4 · B · ((T + 1) · per-step state + once-per-episode state).</param>
/// <param name="TimeSteps">T, the longest episode's steps.</param>
/// <param name="LargestTensor">Elements of the largest single tensor (a tensor holds at most <see cref="int.MaxValue"/>).</param>
/// <param name="LargestTensorName">What that tensor is, with its shape in flag names, e.g. <c>link [B, W, N, N]</c>.</param>
public sealed record ResourceEstimate(double Parameters, double ParameterBytes, double EpisodeBytes, double TimeSteps,
    double LargestTensor, string LargestTensorName)
{
    /// <summary>Bytes per float32 value.</summary>
    public const int BytesPerValue = 4;

    /// <summary>Arrays per parameter: the value, its gradient and RMSProp's mean-square slot (momentum 0 keeps no other slot).</summary>
    public const int ArraysPerParameter = 3;

    /// <summary>The total estimate in bytes.</summary>
    public double TotalBytes => ParameterBytes + EpisodeBytes;

    /// <summary>Estimates the needs of <paramref name="options"/>.</summary>
    public static ResourceEstimate Of(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        double h = options.HiddenSize, n = options.MemorySize, wd = options.WordSize, r = options.NumReadHeads,
            w = options.NumWriteHeads, b = options.BatchSize, k = options.SparseReads, kl = options.LinkSparsity;
        double bits = options.NumBits, s = options.InputSize, length = options.MaxLength;
        var (x, y, t) = options.Task switch
        {
            TaskKind.RepeatCopy => (bits + 2, bits + 1, (options.MaxRepeats + 1.0) * length + 3),
            TaskKind.Copy => (bits + 1, bits, 2 * length + 1),
            TaskKind.GraphTraversal or TaskKind.ShortestPath or TaskKind.Inference =>
                ((double)TripleEncoding.ObservationSize, (double)TripleEncoding.TripleSize, (double)TaskRegistry.Create(options).Task.MaxEpisodeLength),
            _ => (s, 1.0, length + 1),
        };

        // Controller on [input, previous read words]; interface heads and output_linear are Linear layers with biases.
        double controllerIn = x + r * wd;
        bool feedForward = options.Model == ModelKind.Ntm && options.Controller == ControllerKind.FeedForward;
        double controller = feedForward ? (controllerIn + 1) * h : 4 * h * (controllerIn + h + 1);
        double interfaceSize = options.Model switch
        {
            // read keys, strengths, write keys, strengths, erase, write vectors, free, allocation and write gates, read modes.
            ModelKind.Dnc => r * wd + r + w * wd + w + 2 * w * wd + r + 2 * w + r * (1 + 2 * w),
            // Per head: key, strength, gate, 3 shifts, sharpening; write heads add erase and add vectors.
            ModelKind.Ntm => (r + w) * (wd + 6) + 2 * w * wd,
            // read keys, strengths, write vector, erase vector, write gate, interpolation gate (SDNC: + 3 read modes per head).
            ModelKind.Sam => r * wd + r + 2 * wd + 2,
            _ => r * wd + r + 2 * wd + 2 + 3 * r,
        };
        double parameters = controller + (h + 1) * interfaceSize + (h + r * wd + 1) * y;

        double link = options.Model == ModelKind.Dnc ? w * n * n : 0;
        var (perStep, perEpisode) = options.Model switch
        {
            ModelKind.Dnc => (n * wd + link + 3 * w * n + n + r * n + r * wd + 2 * h, 0.0),
            ModelKind.Ntm => (n * wd + r * n + w * n + r * wd + 2 * h, 0.0),
            // Usage N, the K rows of each read head (weights and indices), read words, the written row, h and c.
            ModelKind.Sam => (n + 2 * r * k + r * wd + wd + 2 * h, n * wd),
            // As SAM with content, forward and backward reads (3K per head) and the K_L precedence; the link once.
            _ => (n + 6 * r * k + kl + r * wd + wd + 2 * h, n * wd + 2 * n * kl),
        };
        double episodeBytes = BytesPerValue * b * ((t + 1) * perStep + perEpisode);

        var tensors = new List<(double Elements, string Name)>
        {
            (t * b * x, Invariant($"observations [T, B, input] = [{t:G6}, {b}, {x}]")),
            (b * n * wd, Invariant($"memory [B, N, Wd] = [{b}, {n}, {wd}]")),
            feedForward
                ? (controllerIn * h, Invariant($"controller weights [input + R·Wd, H] = [{controllerIn:G6}, {h}]"))
                : (4 * h * (controllerIn + h), Invariant($"controller weights [input + R·Wd + H, 4H] = [{controllerIn + h:G6}, {4 * h:G6}]")),
            (h * interfaceSize, Invariant($"interface weights [H, interface] = [{h}, {interfaceSize:G6}]")),
        };
        if (link > 0) tensors.Add((b * link, Invariant($"link [B, W, N, N] = [{b}, {w}, {n}, {n}]")));
        var largest = tensors.MaxBy(e => e.Elements);
        return new ResourceEstimate(parameters, BytesPerValue * ArraysPerParameter * parameters, episodeBytes, t, largest.Elements, largest.Name);
    }

    /// <summary>
    /// Refuses a configuration whose largest tensor exceeds <see cref="int.MaxValue"/> elements, whose episodes exceed
    /// <see cref="int.MaxValue"/> steps, or whose <see cref="TotalBytes"/> exceed <paramref name="availableBytes"/>.
    /// </summary>
    /// <param name="options">The run's settings (for the message).</param>
    /// <param name="availableBytes">The memory the process may use (<see cref="GC.GetGCMemoryInfo()"/>'s <c>TotalAvailableMemoryBytes</c>).</param>
    /// <exception cref="UsageException">It cannot fit; the one-line message gives the estimate and the flags to lower.</exception>
    public void Check(TrainOptions options, long availableBytes)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string Lower = "lower --memory-size, --hidden-size, --word-size, --num-read-heads, --num-write-heads, --batch-size or --max-length";
        if (TimeSteps > int.MaxValue)
            throw new UsageException(Invariant($"--max-length {options.MaxLength}") +
                                     (options.Task == TaskKind.RepeatCopy ? Invariant($" with --max-repeats {options.MaxRepeats}") : "") +
                                     Invariant($": episodes of up to {TimeSteps:G4} steps, more than {int.MaxValue}"));
        if (LargestTensor > int.MaxValue)
            throw new UsageException(Invariant($"configuration too large: the {LargestTensorName} tensor would hold {LargestTensor:G4} elements, ") +
                                     Invariant($"more than the {int.MaxValue} a tensor holds; {Lower}"));
        if (TotalBytes > availableBytes)
            throw new UsageException(Invariant($"configuration too large: it needs at least {Size(TotalBytes)} ({Parameters:0} parameters with gradients ") +
                                     Invariant($"and RMSProp slots {Size(ParameterBytes)}, episode state for backward over {TimeSteps:G4} steps {Size(EpisodeBytes)}) ") +
                                     Invariant($"but {Size(availableBytes)} of memory is available; {Lower}"));
    }

    /// <summary>A byte count as a short text, e.g. <c>41.2 GiB</c>.</summary>
    public static string Size(double bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        int unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        return unit == 0 ? Invariant($"{bytes:0} bytes") : Invariant($"{bytes:0.0} {units[unit]}");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
