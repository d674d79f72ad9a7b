using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Modules.Checkpoints;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Tests.Checkpoints;

/// <summary>Each corruption of a checkpoint named in the reliability report, read and loaded: one clear error each.</summary>
public sealed class CheckpointIntegrityTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    /// <summary>Loads <paramref name="path"/> into fresh parameters and optimizer; returns the error, which must be one line naming the file.</summary>
    private static CheckpointException LoadFails(string path)
    {
        var (parameters, optimizer) = CheckpointFiles.Fresh();
        var before = parameters.Select(p => p.Value.ToArray()).ToList();
        var error = Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Load(path, parameters, optimizer));
        Assert.Equal(path, error.FilePath);
        Assert.StartsWith(path + ": ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(before, parameters.Select(p => p.Value.ToArray())); // nothing was loaded
        Assert.Equal(0, optimizer.StepCount);
        return error;
    }

    /// <summary>Rewrites the checkpoint at <paramref name="path"/> after <paramref name="edit"/>, with fresh checksums, so only the other checks can catch the edit.</summary>
    private static void Resign(string path, Action<List<KeyValuePair<string, Tensor>>, Dictionary<string, string>> edit)
    {
        var file = SafeTensors.Read(path);
        var tensors = file.Tensors.Select(t => new KeyValuePair<string, Tensor>(t.Key, t.Value.Clone())).ToList();
        var metadata = new Dictionary<string, string>(file.Metadata);
        edit(tensors, metadata);
        SafeTensors.Write(path, tensors, metadata, checksums: true);
    }

    private static void SetElement(List<KeyValuePair<string, Tensor>> tensors, string name, int index, float value) =>
        tensors.Single(t => t.Key == name).Value.Data[index] = value;

    [Fact]
    public void ASavedCheckpointIsVerifiedAndRestoresExactly()
    {
        string path = CheckpointFiles.SaveTrained(temp.Path);
        var file = Checkpoint.Read(path);
        Assert.True(file.Verified);
        Assert.Equal(2, file.Step);
        Assert.Equal("rmsprop", file.OptimizerName);
        Assert.Equal(CheckpointFiles.Configuration, file.Metadata[Checkpoint.ConfigurationKey]);
        Assert.DoesNotContain(file.Metadata.Keys, k => k.Contains("sha256", StringComparison.Ordinal)); // checksums are not metadata

        var header = CheckpointFiles.Split(File.ReadAllBytes(path)).Header["__metadata__"]!.AsObject();
        Assert.Matches("^[0-9a-f]{64}$", (string)header[SafeTensors.HeaderChecksumKey]!);
        Assert.Matches("^[0-9a-f]{64}$", (string)header[SafeTensors.DataChecksumKey]!);
        Assert.Matches("^[0-9a-f]{64}$", (string)header[SafeTensors.TensorChecksumPrefix + "param/net/w"]!);

        var (saved, savedOptimizer) = CheckpointFiles.Trained();
        var (parameters, optimizer) = CheckpointFiles.Fresh();
        file.Restore(parameters, optimizer);
        for (int i = 0; i < saved.Length; i++) Assert.Equal(saved[i].Value.ToArray(), parameters[i].Value.ToArray());
        Assert.Equal(2, optimizer.StepCount);
        Assert.Equal(savedOptimizer.Slots.Select(s => (s.Key, s.Value.ToArray())), optimizer.Slots.Select(s => (s.Key, s.Value.ToArray())));
    }

    [Fact]
    public void InvalidUtf8InTheHeaderIsAFormatError()
    {
        string path = CheckpointFiles.SaveTrained(temp.Path);
        var bytes = File.ReadAllBytes(path);
        int at = Encoding.UTF8.GetString(bytes).IndexOf("net/w", StringComparison.Ordinal); // inside a tensor name
        bytes[at] = 0xB3; // a continuation byte with no lead byte
        File.WriteAllBytes(path, bytes);
        var error = Assert.IsType<SafeTensorsFormatException>(LoadFails(path));
        Assert.Equal($"the header is not valid UTF-8 (byte 0xB3 at header offset {at - 8})", error.Problem);
    }

    [Fact]
    public void ALoneSurrogateEscapeInTheHeaderIsAFormatError()
    {
        string path = temp.File("surrogate.safetensors");
        foreach (string header in new[] { """{"a\uD800":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", """{"__metadata__":{"step":"x\uDC00"}}""" })
        {
            File.WriteAllBytes(path, CheckpointFiles.Join(Encoding.UTF8.GetBytes(header), header.Contains("dtype") ? new byte[4] : []));
            Assert.StartsWith("the header holds a name or string that is not valid Unicode (",
                Assert.IsType<SafeTensorsFormatException>(Assert.ThrowsAny<CheckpointException>(() => SafeTensors.Read(path))).Problem);
        }
        Assert.Equal(": is not a valid path", Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Read("")).Message);
    }

    [Fact]
    public void AFlippedDataByteNamesTheTensor()
    {
        string path = CheckpointFiles.SaveTrained(temp.Path);
        var bytes = File.ReadAllBytes(path);
        bytes[CheckpointFiles.DataOffset(bytes, "param/net/b") + 5] ^= 0x01; // lowest mantissa bit of element 1: still finite
        File.WriteAllBytes(path, bytes);
        Assert.StartsWith("tensor 'param/net/b': checksum mismatch, its data is corrupted (recorded sha256 ", LoadFails(path).Problem);
    }

    [Fact]
    public void TwoTensorsByteRangesSwappedNameTheTensor()
    {
        string path = Checkpoint.PathFor(temp.Path, 2);
        var (parameters, optimizer) = CheckpointFiles.Trained();
        Checkpoint.Save(path, parameters, optimizer, CheckpointFiles.Metadata());
        var (header, data) = CheckpointFiles.Split(File.ReadAllBytes(path));
        // ms and mom of net/b have the same shape: swapping their ranges keeps the header's layout valid.
        var ms = header["slot/rmsprop/ms/net/b"]!["data_offsets"]!.DeepClone();
        header["slot/rmsprop/ms/net/b"]!["data_offsets"] = header["slot/rmsprop/mom/net/b"]!["data_offsets"]!.DeepClone();
        header["slot/rmsprop/mom/net/b"]!["data_offsets"] = ms;
        File.WriteAllBytes(path, CheckpointFiles.Join(header, data));
        Assert.StartsWith("tensor 'slot/rmsprop/", LoadFails(path).Problem);
        Assert.Contains("checksum mismatch", LoadFails(path).Problem);
    }

    [Fact]
    public void AHeaderLengthOffByOneIsAFormatError()
    {
        string path = CheckpointFiles.SaveTrained(temp.Path);
        var bytes = File.ReadAllBytes(path);
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        int dataLength = bytes.Length - 8 - (int)length;

        // One more takes the first data byte into the header, after the JSON object and its padding.
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length + 1);
        File.WriteAllBytes(path, bytes);
        Assert.StartsWith("the header is not valid ", LoadFails(path).Problem);

        // One less gives the header's last padding space to the data section: every tensor is one byte off its data.
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length - 1);
        File.WriteAllBytes(path, bytes);
        Assert.Equal($"1 trailing bytes: the tensors end at {dataLength}, the data section has {dataLength + 1} bytes", LoadFails(path).Problem);
    }

    [Fact]
    public void GapsOverlapsAndTrailingBytesAreFormatErrors()
    {
        string path = temp.File("layout.safetensors");
        byte[] Build(string header, int dataBytes) => CheckpointFiles.Join(Encoding.UTF8.GetBytes(header), new byte[dataBytes]);
        string Problem(byte[] bytes)
        {
            File.WriteAllBytes(path, bytes);
            return Assert.IsType<SafeTensorsFormatException>(Assert.ThrowsAny<CheckpointException>(() => SafeTensors.Read(path))).Problem;
        }
        Assert.Equal("data bytes [0, 4) belong to no tensor (the next, 'a', begins at 4)",
            Problem(Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8)));
        Assert.Equal("data bytes [4, 8) belong to no tensor (the next, 'b', begins at 8)",
            Problem(Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12)));
        Assert.Equal("4 trailing bytes: the tensors end at 4, the data section has 8 bytes",
            Problem(Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8)));
        Assert.Equal("tensors 'a' [0, 8] and 'b' [4, 8] overlap",
            Problem(Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8)));
        Assert.Equal("tensor 'a': field 'dtype' appears twice",
            Problem(Build("""{"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}""", 4)));
        Assert.Equal("tensor 'a': unknown field 'extra' (expected dtype, shape, data_offsets)",
            Problem(Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}""", 4)));
        Assert.Equal("__metadata__ lists 'step' twice",
            Problem(Build("""{"__metadata__":{"step":"1","step":"2"}}""", 0)));
        Assert.Equal("tensor 'a': 'data_offsets' must hold non-negative 64-bit integers, got 99999999999999999999",
            Problem(Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}}""", 4)));
        Assert.Equal("tensor 'a': shape [65536, 65536] has too many elements",
            Problem(Build("""{"a":{"dtype":"F32","shape":[65536,65536],"data_offsets":[0,4]}}""", 4)));
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void NonFiniteParametersAndSlotsAreRefused(float value, string shown)
    {
        string path = CheckpointFiles.SaveTrained(temp.Path);
        Resign(path, (tensors, _) => SetElement(tensors, "param/net/w", 7, value));
        Assert.Equal($"tensor 'param/net/w' holds {shown} at element 7; a checkpoint must be finite", LoadFails(path).Problem);

        path = CheckpointFiles.SaveTrained(temp.Path);
        Resign(path, (tensors, _) => SetElement(tensors, "slot/rmsprop/mom/net/b", 2, value));
        Assert.Equal($"tensor 'slot/rmsprop/mom/net/b' holds {shown} at element 2; a checkpoint must be finite", LoadFails(path).Problem);
    }

    [Fact]
    public void ANegativeMeanSquareIsRefused()
    {
        string path = CheckpointFiles.SaveTrained(temp.Path);
        Resign(path, (tensors, _) => SetElement(tensors, "slot/rmsprop/ms/net/w", 3, -0.25f));
        Assert.Equal("slot 'slot/rmsprop/ms/net/w' holds the negative mean square -0.25 at element 3", LoadFails(path).Problem);
    }

    [Fact]
    public void AMissingOptimizerSlotIsRefused()
    {
        string path = CheckpointFiles.SaveTrained(temp.Path);
        Resign(path, (tensors, _) => tensors.RemoveAll(t => t.Key == "slot/rmsprop/mom/net/w"));
        Assert.Equal("optimizer state is incomplete at step 2: slot 'slot/rmsprop/mom/net/w' is missing", LoadFails(path).Problem);

        // RMSProp keeps a mean square for every parameter whatever its settings: none at all is incomplete too.
        path = CheckpointFiles.SaveTrained(temp.Path);
        Resign(path, (tensors, _) => tensors.RemoveAll(t => t.Key.StartsWith("slot/rmsprop/ms/", StringComparison.Ordinal)));
        Assert.Equal("optimizer state is incomplete at step 2: slot 'slot/rmsprop/ms/net/w' is missing (and 1 more)", LoadFails(path).Problem);

        path = CheckpointFiles.SaveTrained(temp.Path);
        Resign(path, (tensors, _) => tensors.RemoveAll(t => t.Key == "slot/rmsprop/step"));
        Assert.Equal("the optimizer state has no step counter 'slot/rmsprop/step'", LoadFails(path).Problem);
    }

    [Fact]
    public void AStepThatDisagreesWithTheFileNameIsRefused()
    {
        // Edited in place: the header's checksum catches it first.
        string path = CheckpointFiles.SaveTrained(temp.Path);
        var bytes = File.ReadAllBytes(path);
        int at = Encoding.UTF8.GetString(bytes).IndexOf("\"step\":\"2\"", StringComparison.Ordinal);
        bytes[at + 8] = (byte)'9';
        File.WriteAllBytes(path, bytes);
        Assert.StartsWith("the header's checksum does not match: metadata or tensor entries were changed after writing", LoadFails(path).Problem);

        // Written consistently but under another name.
        path = CheckpointFiles.SaveTrained(temp.Path);
        Resign(path, (_, metadata) => metadata[Checkpoint.StepKey] = "90");
        Assert.Equal("the header says step 90 but the file name says 2", LoadFails(path).Problem);
        Resign(path, (_, metadata) => metadata.Remove(Checkpoint.StepKey));
        Assert.Equal("the file name says step 2 but the header records no 'step'", LoadFails(path).Problem);
        Resign(path, (_, metadata) => metadata[Checkpoint.StepKey] = "+2");
        Assert.Equal("step '+2' is not a non-negative integer", LoadFails(path).Problem);

        var (parameters, optimizer) = CheckpointFiles.Trained();
        Assert.Contains("step 7 disagrees with the file name, which says 2", Assert.Throws<ArgumentException>(() =>
            Checkpoint.Save(path, parameters, optimizer, new Dictionary<string, string> { [Checkpoint.StepKey] = "7" })).Message);
    }

    [Fact]
    public void ASeventeenHexDigitRngWordIsRefused()
    {
        string path = Checkpoint.PathFor(temp.Path, 2);
        var (parameters, optimizer) = CheckpointFiles.Trained();
        var metadata = CheckpointFiles.Metadata();
        string good = metadata[Checkpoint.RngStateKey];
        metadata[Checkpoint.RngStateKey] = "1" + good; // the first word now has 17 digits
        Checkpoint.Save(path, parameters, optimizer, metadata);

        var file = Checkpoint.Read(path); // the file itself is intact
        var generator = new Generator(3);
        string before = generator.SaveState();
        var error = Assert.ThrowsAny<CheckpointException>(() => file.RestoreGenerator(Checkpoint.RngStateKey, generator));
        Assert.Equal($"'rng_state' is not a generator state (five comma-separated words of 16 hex digits): '1{good[..39]}…'", error.Problem);
        Assert.Equal(before, generator.SaveState());
        Assert.Equal(error.Message, Assert.ThrowsAny<CheckpointException>(() => CheckpointDirectory.Validate(path)).Message);

        file.RestoreGenerator(Checkpoint.SampleRngStateKey, generator);
        Assert.Equal(metadata[Checkpoint.SampleRngStateKey], generator.SaveState());
    }

    [Fact]
    public void SavingNonFiniteValuesIsRefusedAndKeepsThePreviousFile()
    {
        string path = CheckpointFiles.SaveTrained(temp.Path);
        var before = File.ReadAllBytes(path);
        var (parameters, optimizer) = CheckpointFiles.Trained();
        parameters[1].Value.Data[3] = float.NaN;
        var error = Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Save(path, parameters, optimizer, CheckpointFiles.Metadata()));
        Assert.Equal("not written: tensor 'param/net/b' holds NaN at element 3, and a checkpoint must be finite to resume from", error.Problem);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    /// <summary>Runs <paramref name="read"/> on another thread and fails when it takes more than 20 s (a hang).</summary>
    private static CheckpointException FailsWithoutHanging(Func<object> read)
    {
        var task = Task.Run(() => Assert.ThrowsAny<CheckpointException>(read));
        Assert.True(task.Wait(TimeSpan.FromSeconds(20)), "reading did not return within 20 s");
        return task.Result;
    }

    [Fact]
    public void AFifoNamedLikeACheckpointIsRefusedWithoutBlocking()
    {
        string path = Checkpoint.PathFor(temp.Path, 50);
        using (var mkfifo = Process.Start("mkfifo", path)) mkfifo.WaitForExit();
        Assert.Equal($"{path}: is a FIFO, not a regular file", FailsWithoutHanging(() => Checkpoint.Read(path)).Message);
        Assert.Equal($"{path}: is a FIFO, not a regular file", FailsWithoutHanging(() => SafeTensors.Read(path)).Message);
    }

    [Fact]
    public void ASymlinkToDevZeroIsRefusedWithoutReadingIt()
    {
        string path = Checkpoint.PathFor(temp.Path, 50);
        File.CreateSymbolicLink(path, "/dev/zero");
        Assert.Equal($"{path}: is a character device, not a regular file", FailsWithoutHanging(() => Checkpoint.Read(path)).Message);

        // A link to a regular checkpoint is followed.
        string target = CheckpointFiles.SaveTrained(Path.Combine(temp.Path, "elsewhere"));
        string link = Checkpoint.PathFor(temp.Path, 2);
        File.CreateSymbolicLink(link, target);
        Assert.True(Checkpoint.Read(link).Verified);
    }

    [Fact]
    public void ADirectoryOrAMissingFileIsACheckpointError()
    {
        string path = Checkpoint.PathFor(temp.Path, 50);
        Directory.CreateDirectory(path);
        Assert.Equal($"{path}: is a directory, not a regular file", FailsWithoutHanging(() => Checkpoint.Read(path)).Message);
        string missing = Checkpoint.PathFor(temp.Path, 60);
        Assert.StartsWith($"{missing}: cannot be opened (", FailsWithoutHanging(() => Checkpoint.Read(missing)).Message);
    }

    [Fact]
    public void ChecksumsThatAreIncompleteOrMalformedAreRefused()
    {
        string path = CheckpointFiles.SaveTrained(temp.Path);
        var (header, data) = CheckpointFiles.Split(File.ReadAllBytes(path));
        var metadata = header["__metadata__"]!.AsObject();

        var noTensorSum = (JsonObject)header.DeepClone();
        noTensorSum["__metadata__"]!.AsObject().Remove(SafeTensors.TensorChecksumPrefix + "param/net/b");
        File.WriteAllBytes(path, CheckpointFiles.Join(noTensorSum, data));
        Assert.Equal("the header records checksums but none for tensor 'param/net/b' ('sha256/param/net/b')", LoadFails(path).Problem);

        var upper = (JsonObject)header.DeepClone();
        upper["__metadata__"]![SafeTensors.DataChecksumKey] = ((string)metadata[SafeTensors.DataChecksumKey]!).ToUpperInvariant();
        File.WriteAllBytes(path, CheckpointFiles.Join(upper, data));
        Assert.StartsWith("the recorded checksum of the data section is not 64 lower-case hex digits", LoadFails(path).Problem);

        // Dropping every checksum makes it a file without checksums: it loads, but not as verified.
        var none = (JsonObject)header.DeepClone();
        foreach (var key in metadata.Select(m => m.Key).Where(k => k.Contains("sha256", StringComparison.Ordinal)).ToList())
            none["__metadata__"]!.AsObject().Remove(key);
        File.WriteAllBytes(path, CheckpointFiles.Join(none, data));
        Assert.False(Checkpoint.Read(path).Verified);
    }

    [Fact]
    public void WritingChecksumKeysAsMetadataIsRejected()
    {
        string path = temp.File("reserved.safetensors");
        Assert.Contains("metadata key 'data_sha256' is reserved for checksums", Assert.Throws<ArgumentException>(() =>
            SafeTensors.Write(path, [new("w", Tensor.Ones(1))], new Dictionary<string, string> { [SafeTensors.DataChecksumKey] = "x" })).Message);
    }

    [Theory]
    [InlineData("dnc", 24)]
    [InlineData("ntm", 28)]
    [InlineData("sam", 16)]
    [InlineData("sdnc", 18)]
    public void LegacyCheckpointsWithoutChecksumsLoadAsUnverified(string model, int parameterCount)
    {
        string path = CheckpointFiles.Legacy(model);
        var file = Checkpoint.Read(path);
        Assert.False(file.Verified);
        Assert.Equal(10, file.Step);
        Assert.Equal("rmsprop", file.OptimizerName);
        var configuration = JsonNode.Parse(file.Metadata[Checkpoint.ConfigurationKey])!;
        Assert.Equal(model, (string)configuration["model"]!);
        Assert.Equal(8, (int)configuration["hidden_size"]!);
        Assert.Equal(parameterCount, file.Parameters.Count);
        Assert.All(file.Parameters, p => Assert.StartsWith(model + "/", p.Key));
        // Every parameter has its RMSProp mean square of the same shape, and the step counter says 10.
        Assert.Equal(parameterCount + 1, file.Slots.Count);
        foreach (var (name, tensor) in file.Parameters)
            Assert.Equal(tensor.ShapeArray(), file.Slots.Single(s => s.Key == "rmsprop/ms/" + name).Value.ShapeArray());

        // Restores into a model of the same shapes and an RMSProp optimizer, and its RNG states restore.
        var parameters = file.Parameters.Select(p => new KeyValuePair<string, Tensor>(p.Key, Tensor.Zeros(p.Value.ShapeArray()))).ToList();
        var optimizer = RmsProp.TensorFlow1(1e-4f);
        var loaded = new CheckpointDirectory(temp.Path).Load(path, file.Metadata[Checkpoint.ConfigurationKey], parameters, optimizer);
        Assert.False(loaded.Verified);
        Assert.Equal(10, optimizer.StepCount);
        Assert.Equal(file.Parameters[0].Value.ToArray(), parameters[0].Value.ToArray());
        var generator = new Generator(0);
        loaded.RestoreGenerator(Checkpoint.RngStateKey, generator);
        Assert.Equal(file.Metadata[Checkpoint.RngStateKey], generator.SaveState());
    }

    [Fact]
    public void LegacyCheckpointsGetEveryCheckButTheChecksums()
    {
        var bytes = File.ReadAllBytes(CheckpointFiles.Legacy("dnc"));
        var (header, data) = CheckpointFiles.Split(bytes);

        // A flipped mantissa bit cannot be detected without checksums: it loads, and says it is unverified.
        string flipped = Checkpoint.PathFor(temp.Path, 10);
        var copy = (byte[])bytes.Clone();
        copy[CheckpointFiles.DataOffset(copy, "param/dnc/output_linear/b")] ^= 0x01;
        File.WriteAllBytes(flipped, copy);
        Assert.False(Checkpoint.Read(flipped).Verified);

        // A NaN, a negative mean square, a missing slot and another name are caught as in checksummed files.
        string Problem(byte[] file, string name = "ckpt-000010.safetensors")
        {
            string path = temp.File(name);
            File.WriteAllBytes(path, file);
            return Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Read(path)).Problem;
        }
        copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteSingleLittleEndian(copy.AsSpan(CheckpointFiles.DataOffset(copy, "param/dnc/lstm/b_gates") + 8), float.NaN);
        Assert.Equal("tensor 'param/dnc/lstm/b_gates' holds NaN at element 2; a checkpoint must be finite", Problem(copy));
        copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteSingleLittleEndian(copy.AsSpan(CheckpointFiles.DataOffset(copy, "slot/rmsprop/ms/dnc/lstm/b_gates")), -1f);
        Assert.Equal("slot 'slot/rmsprop/ms/dnc/lstm/b_gates' holds the negative mean square -1 at element 0", Problem(copy));
        Assert.Equal("the header says step 10 but the file name says 50", Problem(bytes, "ckpt-000050.safetensors"));

        // Removing a slot's entry and bytes keeps the layout valid; the slot is still missing.
        var entry = header["slot/rmsprop/ms/dnc/output_linear/b"]!["data_offsets"]!.AsArray();
        int begin = (int)entry[0]!, end = (int)entry[1]!;
        header.Remove("slot/rmsprop/ms/dnc/output_linear/b");
        foreach (var (_, value) in header)
            if (value?["data_offsets"] is JsonArray offsets && (int)offsets[0]! >= end)
                value["data_offsets"] = new JsonArray((int)offsets[0]! - (end - begin), (int)offsets[1]! - (end - begin));
        var shorter = data[..begin].Concat(data[end..]).ToArray();
        Assert.Equal("optimizer state is incomplete at step 10: slot 'slot/rmsprop/ms/dnc/output_linear/b' is missing",
            Problem(CheckpointFiles.Join(header, shorter)));
    }
}
