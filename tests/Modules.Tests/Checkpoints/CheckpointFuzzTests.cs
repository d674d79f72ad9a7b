using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Modules.Checkpoints;
using Modules.Tensors;
using Modules.Training;
using Xunit.Abstractions;

namespace Modules.Tests.Checkpoints;

/// <summary>
/// Seeded random mutations of checkpoints (bit flips, byte edits, truncations, insertions, deletions, header-length edits,
/// header edits, non-finite values) fed to the safetensors reader and the checkpoint loader. The property: whatever the
/// bytes, each returns within seconds and either throws <see cref="CheckpointException"/> with a one-line message
/// naming the file, or succeeds with a result that passed every check: for a checksummed checkpoint, contents
/// bit-identical to what was saved and <see cref="CheckpointFile.Verified"/>; for a checkpoint without checksums,
/// <see cref="CheckpointFile.Verified"/> false. Nothing else is thrown, and nothing changed is accepted as verified.
/// </summary>
public sealed class CheckpointFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int ChecksummedCases = 2400;
    private const int LegacyCases = 800;
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(20);

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private enum Outcome { ClearError, AcceptedUnchanged, AcceptedUnverified, Crash, Hang, SilentAcceptance }

    private sealed record Snapshot(Dictionary<string, int[]> Tensors, Dictionary<string, string> Metadata);

    private static Snapshot Capture(CheckpointFile file) => new(
        file.Parameters.Select(p => (Checkpoint.ParameterPrefix + p.Key, p.Value))
            .Concat(file.Slots.Select(s => (Checkpoint.SlotPrefix + s.Key, s.Value)))
            .ToDictionary(t => t.Item1, t => t.Item2.ToArray().Select(BitConverter.SingleToInt32Bits).Append(t.Item2.Rank).Concat(t.Item2.ShapeArray()).ToArray()),
        file.Metadata.ToDictionary());

    private static Snapshot Capture(SafeTensorsFile file) => new(
        file.Tensors.ToDictionary(t => t.Key, t => t.Value.ToArray().Select(BitConverter.SingleToInt32Bits).Append(t.Value.Rank).Concat(t.Value.ShapeArray()).ToArray()),
        file.Metadata.ToDictionary());

    private static bool Same(Snapshot a, Snapshot b) =>
        a.Tensors.Count == b.Tensors.Count && a.Tensors.All(t => b.Tensors.TryGetValue(t.Key, out var v) && v.SequenceEqual(t.Value))
        && a.Metadata.Count == b.Metadata.Count && a.Metadata.All(m => b.Metadata.TryGetValue(m.Key, out var v) && v == m.Value);

    // The checkpoint loader as a training run uses it: validate, restore the model and optimizer, then the RNG states.
    private static CheckpointFile LoadLikeATrainer(string path, CheckpointFile original)
    {
        var file = CheckpointDirectory.Validate(path);
        var parameters = original.Parameters.Select(p => new KeyValuePair<string, Tensor>(p.Key, Tensor.Zeros(p.Value.ShapeArray()))).ToList();
        file.Restore(parameters, RmsProp.TensorFlow1(1e-3f, momentum: original.Slots.Any(s => s.Key.Contains("/mom/", StringComparison.Ordinal)) ? 0.5f : 0f));
        file.RestoreGenerator(Checkpoint.RngStateKey, new Generator(0));
        file.RestoreGenerator(Checkpoint.SampleRngStateKey, new Generator(0));
        return file;
    }

    private sealed class Tally
    {
        public readonly Dictionary<Outcome, int> Counts = Enum.GetValues<Outcome>().ToDictionary(o => o, _ => 0);
        public readonly List<string> Failures = [];
        public TimeSpan Slowest;

        public void Add(Outcome outcome, string description)
        {
            Counts[outcome]++;
            if (outcome is Outcome.Crash or Outcome.Hang or Outcome.SilentAcceptance && Failures.Count < 10) Failures.Add($"{outcome}: {description}");
        }

        public string Summary(string what) =>
            $"{what}: {Counts.Values.Sum()} cases: {Counts[Outcome.ClearError]} clear errors, {Counts[Outcome.AcceptedUnchanged]} accepted unchanged " +
            $"(edits that change no value, e.g. header whitespace), {Counts[Outcome.AcceptedUnverified]} accepted as unverified (no checksums), " +
            $"{Counts[Outcome.Crash]} crashes, {Counts[Outcome.Hang]} hangs, {Counts[Outcome.SilentAcceptance]} silent acceptances; slowest case {Slowest.TotalMilliseconds:F0} ms";
    }

    private Outcome Run(Func<object> read, string path, bool checksummed, Snapshot original, Func<object, (bool Verified, Snapshot Contents)> inspect,
        Tally tally, string description)
    {
        var clock = Stopwatch.StartNew();
        var task = Task.Run(() =>
        {
            try
            {
                return (Result: read(), Error: (Exception?)null);
            }
            catch (Exception e)
            {
                return (Result: (object?)null, Error: e);
            }
        });
        if (!task.Wait(HangLimit)) return Record(Outcome.Hang);
        if (clock.Elapsed > tally.Slowest) tally.Slowest = clock.Elapsed;
        var (result, error) = task.Result;
        if (error is CheckpointException clear)
            return Record(clear.Message.StartsWith(path + ": ", StringComparison.Ordinal) && !clear.Message.Contains('\n')
                ? Outcome.ClearError
                : Outcome.Crash, $" (message not one line naming the file: {clear.Message})");
        if (error is not null) return Record(Outcome.Crash, $" ({error.GetType().Name}: {error.Message})");
        var (verified, contents) = inspect(result!);
        if (checksummed) return Record(verified && Same(original, contents) ? Outcome.AcceptedUnchanged : Outcome.SilentAcceptance);
        return Record(!verified ? (Same(original, contents) ? Outcome.AcceptedUnchanged : Outcome.AcceptedUnverified) : Outcome.SilentAcceptance);

        Outcome Record(Outcome outcome, string detail = "")
        {
            tally.Add(outcome, description + detail);
            return outcome;
        }
    }

    [Fact]
    public void WhateverTheBytesTheReaderAndLoaderSucceedWithCheckedContentsOrThrowTheirOwnException()
    {
        string directory = Path.Combine(temp.Path, "fuzz");
        string checksummedPath = CheckpointFiles.SaveTrained(directory);
        var checksummed = File.ReadAllBytes(checksummedPath);
        var legacy = File.ReadAllBytes(CheckpointFiles.Legacy("dnc"));
        var reader = new Tally();
        var loader = new Tally();
        var clock = Stopwatch.StartNew();

        foreach (var (bytes, cases, step, seedBase) in new[] { (checksummed, ChecksummedCases, 2L, 0), (legacy, LegacyCases, 10L, 1_000_000) })
        {
            bool hasChecksums = ReferenceEquals(bytes, checksummed);
            string original = Checkpoint.PathFor(Path.Combine(temp.Path, "original"), step);
            Directory.CreateDirectory(Path.GetDirectoryName(original)!);
            File.WriteAllBytes(original, bytes);
            var originalFile = Checkpoint.Read(original);
            var originalContents = Capture(originalFile);
            var originalTensors = Capture(SafeTensors.Parse(bytes));
            string path = Checkpoint.PathFor(directory, step);
            for (int i = 0; i < cases; i++)
            {
                var random = new Random(seedBase + i);
                var (mutated, description) = Mutate(bytes, random);
                description = $"seed {seedBase + i}, {(hasChecksums ? "checksummed" : "legacy")}: {description}";
                File.WriteAllBytes(path, mutated);
                Run(() => SafeTensors.Parse(mutated, path), path, hasChecksums, originalTensors,
                    r => (((SafeTensorsFile)r).Verified, Capture((SafeTensorsFile)r)), reader, description);
                Run(() => LoadLikeATrainer(path, originalFile), path, hasChecksums, originalContents,
                    r => (((CheckpointFile)r).Verified, Capture((CheckpointFile)r)), loader, description);
            }
        }

        output.WriteLine(reader.Summary("safetensors reader"));
        output.WriteLine(loader.Summary("checkpoint loader"));
        output.WriteLine($"{ChecksummedCases + LegacyCases} mutated files in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var failure in reader.Failures.Concat(loader.Failures)) output.WriteLine(failure);
        foreach (var tally in new[] { reader, loader })
        {
            Assert.True(tally.Failures.Count == 0, string.Join(Environment.NewLine, tally.Failures));
            Assert.Equal(0, tally.Counts[Outcome.Crash] + tally.Counts[Outcome.Hang] + tally.Counts[Outcome.SilentAcceptance]);
        }
        // The mutations reach the checks: most cases are refused, and every kind of outcome the property allows occurs.
        Assert.True(loader.Counts[Outcome.ClearError] > (ChecksummedCases + LegacyCases) * 3 / 4, loader.Summary("loader"));
        Assert.True(loader.Counts[Outcome.AcceptedUnverified] > 0, loader.Summary("loader"));
    }

    private static readonly string[] JsonFragments =
        ["\\uD800", "\\uDC00", "\\u0000", "\\", "\"", "{", "}", "[", "]", ",", ":", "1e999", "-1", "null", "\"x\":", " ", "\t"];

    private static readonly float[] Poison = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -1f, -1e-30f, 3e38f];

    /// <summary>One to three random mutations of <paramref name="original"/>, and what they were.</summary>
    private static (byte[] Bytes, string Description) Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        var description = new List<string>();
        int count = random.Next(10) < 7 ? 1 : random.Next(2, 4);
        for (int m = 0; m < count; m++)
        {
            int headerEnd = bytes.Length >= 8 ? (int)Math.Min(8 + BinaryPrimitives.ReadUInt64LittleEndian(bytes), (ulong)bytes.Length) : bytes.Length;
            switch (random.Next(10))
            {
                case 0 when bytes.Length > 0:
                {
                    int at = random.Next(bytes.Length), bit = random.Next(8);
                    bytes[at] ^= (byte)(1 << bit);
                    description.Add($"flip bit {bit} of byte {at}");
                    break;
                }
                case 1 when headerEnd > 8:
                {
                    int at = random.Next(8, headerEnd);
                    bytes[at] = (byte)random.Next(256);
                    description.Add($"header byte {at} := 0x{bytes[at]:X2}");
                    break;
                }
                case 2 when bytes.Length > headerEnd:
                {
                    int at = random.Next(headerEnd, bytes.Length);
                    bytes[at] = (byte)random.Next(256);
                    description.Add($"data byte {at} := 0x{bytes[at]:X2}");
                    break;
                }
                case 3:
                {
                    int length = random.Next(bytes.Length + 1);
                    bytes = bytes[..length];
                    description.Add($"truncate to {length} bytes");
                    break;
                }
                case 4:
                {
                    int at = random.Next(bytes.Length + 1);
                    var inserted = new byte[random.Next(1, 17)];
                    random.NextBytes(inserted);
                    bytes = [.. bytes[..at], .. inserted, .. bytes[at..]];
                    description.Add($"insert {inserted.Length} bytes at {at}");
                    break;
                }
                case 5 when bytes.Length > 0:
                {
                    int at = random.Next(bytes.Length);
                    int length = Math.Min(random.Next(1, 33), bytes.Length - at);
                    bytes = [.. bytes[..at], .. bytes[(at + length)..]];
                    description.Add($"delete {length} bytes at {at}");
                    break;
                }
                case 6 when bytes.Length >= 8:
                {
                    ulong current = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
                    ulong length = random.Next(4) switch
                    {
                        0 => current + (ulong)random.Next(1, 9),
                        1 => current - (ulong)random.Next(1, 9),
                        2 => (ulong)random.NextInt64(),
                        _ => (ulong)random.Next(bytes.Length + 1),
                    };
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
                    description.Add($"header length := {length}");
                    break;
                }
                case 7 when TryEditHeader(bytes, random, out var edited, out var edit):
                    bytes = edited;
                    description.Add(edit);
                    break;
                case 8 when bytes.Length - headerEnd >= 4:
                {
                    int at = headerEnd + 4 * random.Next((bytes.Length - headerEnd) / 4);
                    float value = Poison[random.Next(Poison.Length)];
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), value);
                    description.Add($"float at {at} := {value}");
                    break;
                }
                case 9 when headerEnd > 8:
                {
                    // JSON-level edits a byte flip rarely makes: escapes (a lone surrogate is valid JSON but no string),
                    // brackets, huge numbers; the length prefix follows, so the header stays in one piece.
                    string text = JsonFragments[random.Next(JsonFragments.Length)];
                    int at = random.Next(8, headerEnd + 1);
                    var inserted = Encoding.UTF8.GetBytes(text);
                    bytes = [.. bytes[..at], .. inserted, .. bytes[at..]];
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(headerEnd - 8 + inserted.Length));
                    description.Add($"insert '{text}' into the header at {at}");
                    break;
                }
                default:
                    m--; // the mutation did not apply to these bytes: draw another
                    break;
            }
        }
        return (bytes, string.Join(", ", description));
    }

    // A structural edit of the header (re-serialised, with a matching length prefix); false when it does not parse.
    private static bool TryEditHeader(byte[] bytes, Random random, out byte[] edited, out string edit)
    {
        try
        {
            return EditHeader(bytes, random, out edited, out edit);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or InvalidOperationException or InvalidCastException
                                      or FormatException or OverflowException)
        {
            // A header System.Text.Json cannot take apart (invalid UTF-8 or Unicode, not an object, ...): no structural edit.
            edited = bytes;
            edit = "";
            return false;
        }
    }

    private static bool EditHeader(byte[] bytes, Random random, out byte[] edited, out string edit)
    {
        edited = bytes;
        edit = "";
        var (header, data) = CheckpointFiles.Split(bytes);
        var tensors = header.Where(p => p.Key != "__metadata__" && p.Value is JsonObject).Select(p => p.Key).ToList();
        var metadata = header["__metadata__"] as JsonObject;
        if (tensors.Count < 2 || metadata is null) return false;
        string tensor = tensors[random.Next(tensors.Count)];
        var entry = header[tensor]!.AsObject();
        long[] big = [-1, 0, 1L << 31, 1L << 40, long.MaxValue];
        switch (random.Next(11))
        {
            case 0 when entry["data_offsets"] is JsonArray { Count: 2 } offsets:
            {
                int which = random.Next(2);
                long value = random.Next(2) == 0 && offsets[which] is JsonValue v && v.TryGetValue(out long old) ? old + random.Next(-8, 9) : big[random.Next(big.Length)];
                offsets[which] = value;
                edit = $"'{tensor}' data_offsets[{which}] := {value}";
                break;
            }
            case 1 when entry["shape"] is JsonArray { Count: > 0 } shape:
            {
                int which = random.Next(shape.Count);
                long value = random.Next(2) == 0 && shape[which] is JsonValue v && v.TryGetValue(out long old) ? old + random.Next(-2, 3) : big[random.Next(big.Length)];
                shape[which] = value;
                edit = $"'{tensor}' shape[{which}] := {value}";
                break;
            }
            case 2:
            {
                string other = tensors[random.Next(tensors.Count)];
                var offsets = entry["data_offsets"]?.DeepClone();
                entry["data_offsets"] = header[other]!["data_offsets"]?.DeepClone();
                header[other]!["data_offsets"] = offsets;
                edit = $"swap data_offsets of '{tensor}' and '{other}'";
                break;
            }
            case 3:
            {
                string dtype = new[] { "F16", "BF16", "F64", "I64", "" }[random.Next(5)];
                entry["dtype"] = dtype;
                edit = $"'{tensor}' dtype := '{dtype}'";
                break;
            }
            case 4:
            {
                string step = new[] { "90", "-1", "1e3", "99999999999999999999", "", "02", " 2" }[random.Next(7)];
                metadata[Checkpoint.StepKey] = step;
                edit = $"step := '{step}'";
                break;
            }
            case 5 when metadata.Count > 0:
            {
                string key = metadata.ElementAt(random.Next(metadata.Count)).Key;
                metadata.Remove(key);
                edit = $"remove metadata '{key}'";
                break;
            }
            case 6:
                header.Remove(tensor);
                edit = $"remove entry '{tensor}'";
                break;
            case 7:
            {
                var value = entry.DeepClone();
                header.Remove(tensor);
                header[tensor + "_"] = value;
                edit = $"rename '{tensor}'";
                break;
            }
            case 8:
            {
                string key = random.Next(2) == 0 ? Checkpoint.RngStateKey : Checkpoint.SampleRngStateKey;
                string current = metadata[key] is JsonValue value && value.TryGetValue(out string? text) ? text : "";
                metadata[key] = random.Next(2) == 0 ? "1" + current : "zz";
                edit = $"{key} := '{metadata[key]}'";
                break;
            }
            case 9:
                entry["extra"] = 1;
                edit = $"'{tensor}' gets an unknown field";
                break;
            default:
            {
                string key = metadata.Count > 0 ? metadata.ElementAt(random.Next(metadata.Count)).Key : "x";
                metadata[key] = 42;
                edit = $"metadata '{key}' := a number";
                break;
            }
        }
        edited = CheckpointFiles.Join(Encoding.UTF8.GetBytes(header.ToJsonString()), data);
        return true;
    }
}
