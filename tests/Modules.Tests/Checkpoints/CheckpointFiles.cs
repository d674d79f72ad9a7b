using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Modules.Checkpoints;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Tests.Checkpoints;

/// <summary>Small checkpoints and byte-level edits of safetensors files for the integrity and fuzz tests.</summary>
internal static class CheckpointFiles
{
    public static readonly string LegacyDirectory = Path.Combine(AppContext.BaseDirectory, "TestData", "legacy");

    public static string Legacy(string model) => Path.Combine(LegacyDirectory, $"{model}-v0-step10.safetensors");

    public const string Configuration = """{"model":"net","hidden_size":4,"optimizer_epsilon":1e-10}""";

    /// <summary>Two parameters (net/w [3, 4], net/b [4]) trained for two steps by RMSProp with momentum (ms and mom slots).</summary>
    public static (KeyValuePair<string, Tensor>[] Parameters, RmsProp Optimizer) Trained(int steps = 2)
    {
        var rng = new Generator(5);
        KeyValuePair<string, Tensor>[] parameters =
        [
            new("net/w", Tensor.Normal(rng, [3, 4]).RequireGrad()),
            new("net/b", Tensor.Normal(rng, [4]).RequireGrad()),
        ];
        var optimizer = RmsProp.TensorFlow1(1e-2f, momentum: 0.5f);
        for (int i = 0; i < steps; i++)
        {
            foreach (var (_, p) in parameters) p.Grad = Tensor.Normal(rng, p.ShapeArray());
            optimizer.Step(parameters);
        }
        return (parameters, optimizer);
    }

    /// <summary>Fresh parameters of <see cref="Trained"/>'s shapes, all zero, and an untrained optimizer of its kind.</summary>
    public static (KeyValuePair<string, Tensor>[] Parameters, RmsProp Optimizer) Fresh() =>
        ([new("net/w", Tensor.Zeros(3, 4)), new("net/b", Tensor.Zeros(4))], RmsProp.TensorFlow1(1e-2f, momentum: 0.5f));

    public static Dictionary<string, string> Metadata() => new()
    {
        [Checkpoint.ConfigurationKey] = Configuration,
        [Checkpoint.RngStateKey] = new Generator(1).SaveState(),
        [Checkpoint.SampleRngStateKey] = new Generator(2).SaveState(),
    };

    /// <summary>Saves <see cref="Trained"/> at step 2 as <c>ckpt-000002.safetensors</c> in <paramref name="directory"/>.</summary>
    public static string SaveTrained(string directory)
    {
        var (parameters, optimizer) = Trained();
        string path = Checkpoint.PathFor(directory, 2);
        Checkpoint.Save(path, parameters, optimizer, Metadata());
        return path;
    }

    /// <summary>The header of a safetensors file as JSON, and the data section.</summary>
    public static (JsonObject Header, byte[] Data) Split(byte[] bytes)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return (JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject(), bytes[(8 + length)..]);
    }

    /// <summary>A safetensors file from a header and a data section (the length prefix is the header's).</summary>
    public static byte[] Join(JsonObject header, byte[] data) => Join(Encoding.UTF8.GetBytes(header.ToJsonString()), data);

    public static byte[] Join(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>The offset of a tensor's data in the whole file.</summary>
    public static int DataOffset(byte[] bytes, string tensor)
    {
        var (header, _) = Split(bytes);
        return 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes) + (int)header[tensor]!["data_offsets"]![0]!;
    }
}
