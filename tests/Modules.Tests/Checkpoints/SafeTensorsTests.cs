using System.Buffers.Binary;
using System.Text;
using Modules.Checkpoints;
using Modules.Tensors;

namespace Modules.Tests.Checkpoints;

public sealed class SafeTensorsTests : IDisposable
{
    private static readonly string Golden = Path.Combine(AppContext.BaseDirectory, "TestData", "dnc-small.safetensors");
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    /// <summary>A safetensors file from a header text and data bytes (the header is not padded).</summary>
    private static byte[] Build(string header, byte[] data)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + headerBytes.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + headerBytes.Length);
        return bytes;
    }

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    [Fact]
    public void ReadsTheGoldenFileShapesValuesAndMetadata()
    {
        var (tensors, metadata) = SafeTensors.Read(Golden);
        // 9 final-state tensors, 24 gradients, 24 parameters, input, output and probe.
        Assert.Equal(60, tensors.Count);
        Assert.Equal("final_state/access_output", tensors[0].Key);
        Assert.Equal("16", metadata["memory_size"]);
        Assert.Equal("8", metadata["word_size"]);
        Assert.Equal("2", metadata["num_reads"]);
        Assert.Equal("12", metadata["hidden_size"]);
        Assert.Equal("null", metadata["clip_value"]);

        var file = SafeTensors.Read(Golden);
        Assert.Equal([34, 48], file["param/dnc/lstm/w_gates"].ShapeArray());
        Assert.Equal([3, 16, 8], file["final_state/memory"].ShapeArray());
        Assert.Equal([3, 1, 16, 16], file["final_state/link"].ShapeArray());
        Assert.Equal([7, 3, 6], file["input"].ShapeArray());
        Assert.Equal([28, 5], file["param/dnc/output_linear/w"].ShapeArray());
        // First values of b_gates, as stored (little-endian float32).
        Assert.Equal([-0.6519755125045776f, 0.37211939692497253f, 0.6147820949554443f, -0.1522359997034073f],
            file["param/dnc/lstm/b_gates"].ToArray()[..4]);
        var missing = Assert.Throws<KeyNotFoundException>(() => file["param/dnc/nothing"]);
        Assert.Contains("param/dnc/nothing", missing.Message);
    }

    [Fact]
    public void WritingTheGoldenFileBackReproducesItByteForByte()
    {
        var original = SafeTensors.Read(Golden);
        string copy = temp.File("copy.safetensors");
        SafeTensors.Write(copy, original.Tensors, original.Metadata);

        Assert.Equal(File.ReadAllBytes(Golden), File.ReadAllBytes(copy));
        var reread = SafeTensors.Read(copy);
        Assert.Equal(original.Tensors.Select(t => t.Key), reread.Tensors.Select(t => t.Key));
        for (int i = 0; i < original.Tensors.Count; i++)
        {
            Assert.Equal(original.Tensors[i].Value.ShapeArray(), reread.Tensors[i].Value.ShapeArray());
            Assert.Equal(original.Tensors[i].Value.ToArray().Select(BitConverter.SingleToInt32Bits),
                reread.Tensors[i].Value.ToArray().Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Equal(original.Metadata, reread.Metadata);
    }

    [Fact]
    public void RoundTripKeepsOrderScalarsEmptyTensorsSpecialValuesAndMetadata()
    {
        string path = temp.File("mixed.safetensors");
        var tensors = new KeyValuePair<string, Tensor>[]
        {
            new("z/last_name_first", new Tensor([float.NaN, float.PositiveInfinity, -0f, float.Epsilon, 1.5f, -2.25f], 2, 3)),
            new("scalar", Tensor.Scalar(7f)),
            new("empty", Tensor.Zeros(0, 4)),
            new("a+b<c>", new Tensor([3f], 1)),
        };
        var metadata = new Dictionary<string, string> { ["step"] = "100", ["note"] = "größe \"quoted\" ✓" };
        SafeTensors.Write(path, tensors, metadata);

        var bytes = File.ReadAllBytes(path);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 4 * (6 + 1 + 0 + 1), bytes.Length);

        var file = SafeTensors.Read(path);
        Assert.Equal(tensors.Select(t => t.Key), file.Tensors.Select(t => t.Key));
        Assert.Equal(tensors[0].Value.ToArray().Select(BitConverter.SingleToInt32Bits), file["z/last_name_first"].ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(0, file["scalar"].Rank);
        Assert.Equal(7f, file["scalar"].Item());
        Assert.Equal([0, 4], file["empty"].ShapeArray());
        Assert.Equal(metadata, file.Metadata);
    }

    [Fact]
    public void ConvertsF64F16AndBf16ToFloat32()
    {
        var f64 = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(f64, 0.1);
        BinaryPrimitives.WriteDoubleLittleEndian(f64.AsSpan(8), -3.0);
        var f16 = new byte[4];
        BinaryPrimitives.WriteHalfLittleEndian(f16, (Half)0.5f);
        BinaryPrimitives.WriteHalfLittleEndian(f16.AsSpan(2), (Half)(-1.25f));
        // bfloat16 of 1.5 is the top 16 bits of float32 1.5 (0x3FC00000) → 0x3FC0.
        var bf16 = new byte[] { 0xC0, 0x3F };
        var data = f64.Concat(f16).Concat(bf16).ToArray();
        string header = """{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"h":{"dtype":"F16","shape":[2],"data_offsets":[16,20]},"b":{"dtype":"BF16","shape":[],"data_offsets":[20,22]}}""";
        var file = SafeTensors.Parse(Build(header, data), "mixed-dtypes");
        Assert.Equal([0.1f, -3f], file["d"].ToArray());
        Assert.Equal([0.5f, -1.25f], file["h"].ToArray());
        Assert.Equal(1.5f, file["b"].Item());
    }

    private SafeTensorsFormatException ReadBroken(byte[] bytes)
    {
        string path = temp.File("broken.safetensors");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Read(path));
        Assert.StartsWith(path + ": ", error.Message);
        return error;
    }

    [Fact]
    public void FileShorterThanTheLengthPrefixIsReportedTruncated()
    {
        var error = ReadBroken([1, 2, 3]);
        Assert.Contains("truncated: 3 bytes", error.Message);
    }

    [Fact]
    public void HeaderLengthBeyondTheFileIsReported()
    {
        var golden = File.ReadAllBytes(Golden);
        var error = ReadBroken(golden[..1000]);
        Assert.Contains("header length 5784 bytes is beyond the end of the file (992 bytes follow", error.Message);
    }

    [Fact]
    public void TruncatedDataSectionIsReportedWithTheTensorName()
    {
        var golden = File.ReadAllBytes(Golden);
        var error = ReadBroken(golden[..^100]);
        // The last tensor, probe, ends at 27504 but only 27404 data bytes remain.
        Assert.Contains("tensor 'probe': data offsets [27084, 27504] lie outside the data section of 27404 bytes", error.Message);
    }

    [Fact]
    public void InvalidJsonHeaderIsReported()
    {
        var error = ReadBroken(Build("""{"x": {"dtype": "F32", """, []));
        Assert.Contains("the header is not valid JSON", error.Message);
        Assert.IsType<System.Text.Json.JsonException>(error.InnerException, exactMatch: false);
    }

    [Fact]
    public void OverlappingTensorsAreReported()
    {
        string header = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""";
        var error = ReadBroken(Build(header, Floats(1, 2, 3)));
        Assert.Contains("tensors 'a' [0, 8] and 'b' [4, 12] overlap", error.Message);
    }

    [Fact]
    public void UnknownDtypeIsReported()
    {
        string header = """{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""";
        var error = ReadBroken(Build(header, new byte[8]));
        Assert.Contains("tensor 'ids': unknown dtype 'I64'", error.Message);
    }

    [Fact]
    public void ByteRangeThatDoesNotMatchTheShapeIsReported()
    {
        string header = """{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}""";
        var error = ReadBroken(Build(header, Floats(1, 2, 3)));
        Assert.Contains("tensor 'w': shape [2, 2] of F32 needs 16 bytes, data offsets [0, 12] span 12", error.Message);
    }

    [Fact]
    public void MissingFieldsAndNonStringMetadataAreReported()
    {
        Assert.Contains("tensor 'w': missing array field 'shape'",
            ReadBroken(Build("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""", Floats(1))).Message);
        Assert.Contains("__metadata__ value 'step' must be a string",
            ReadBroken(Build("""{"__metadata__":{"step":3}}""", [])).Message);
    }

    [Fact]
    public void WritingDuplicateOrReservedNamesIsRejected()
    {
        string path = temp.File("dup.safetensors");
        Assert.Contains("'w' is given twice", Assert.Throws<ArgumentException>(() =>
            SafeTensors.Write(path, [new("w", Tensor.Ones(1)), new("w", Tensor.Ones(1))])).Message);
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [new("__metadata__", Tensor.Ones(1))]));
    }
}
