using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Modules.Tensors;

namespace Modules.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
/// <c>{"__metadata__": {...}, "name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}</c> padded with
/// spaces to a multiple of 8 bytes, then the raw little-endian tensor data (offsets relative to its start).
/// Writes float32; reads F32, and converts F64, F16 and BF16 to float32.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";

    /// <summary>Largest header accepted (the reference implementation's limit), so a corrupt length fails fast.</summary>
    private const long MaxHeaderBytes = 100_000_000;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Writes <paramref name="tensors"/> (in the given order, contiguous) and optional <paramref name="metadata"/> to
    /// <paramref name="path"/>, replacing the file. Names must be unique and non-empty and may not be <c>__metadata__</c>.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="tensors">Tensors by name, any shapes (rank 0 included).</param>
    /// <param name="metadata">Strings stored under <c>__metadata__</c>; omitted when null or empty.</param>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(stream, tensors, metadata, path);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Writes the safetensors bytes to <paramref name="stream"/>; see <see cref="Write(string, IEnumerable{KeyValuePair{string, Tensor}}, IReadOnlyDictionary{string, string}?)"/>.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="tensors">Tensors by name.</param>
    /// <param name="metadata">Strings stored under <c>__metadata__</c>.</param>
    /// <param name="destination">Names the destination in error messages.</param>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, string destination = "safetensors stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var header = BuildHeader(list, metadata, destination);

        Span<byte> lengthPrefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthPrefix, (ulong)header.Length);
        stream.Write(lengthPrefix);
        stream.Write(header);
        foreach (var (_, tensor) in list) WriteLittleEndian(stream, tensor.Values);
    }

    private static byte[] BuildHeader(List<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata, string destination)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                if (string.IsNullOrEmpty(name) || name == MetadataKey)
                    throw new ArgumentException($"{destination}: '{name}' cannot be a tensor name");
                if (!names.Add(name)) throw new ArgumentException($"{destination}: tensor '{name}' is given twice");
                long bytes = (long)tensor.Size * sizeof(float);
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int dim in tensor.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data section starts 8-byte aligned (the length prefix is 8 bytes).
        int length = (int)buffer.Length;
        int padded = (length + 7) / 8 * 8;
        for (int i = length; i < padded; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static void WriteLittleEndian(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> four = stackalloc byte[4];
        foreach (float value in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(four, value);
            stream.Write(four);
        }
    }

    /// <summary>
    /// Reads a safetensors file. Throws <see cref="SafeTensorsFormatException"/> naming the file when it is truncated,
    /// its header length exceeds the file, the header is not valid JSON or lacks fields, a dtype is unknown, a tensor's
    /// byte range does not match its shape, lies outside the data section or overlaps another.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The tensors in header order (float32) and the metadata.</returns>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses safetensors bytes; see <see cref="Read(string)"/>.</summary>
    /// <param name="bytes">The whole file's contents.</param>
    /// <param name="source">Names the bytes in error messages.</param>
    public static SafeTensorsFile Parse(ReadOnlySpan<byte> bytes, string source = "safetensors bytes")
    {
        if (bytes.Length < 8)
            throw new SafeTensorsFormatException(source, $"truncated: {bytes.Length} bytes, a safetensors file starts with an 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        long available = bytes.Length - 8;
        if (headerLength > (ulong)available)
            throw new SafeTensorsFormatException(source,
                $"header length {headerLength} bytes is beyond the end of the file ({available} bytes follow the length prefix; truncated?)");
        if (headerLength > MaxHeaderBytes)
            throw new SafeTensorsFormatException(source, $"header length {headerLength} bytes exceeds the limit of {MaxHeaderBytes}");

        var headerBytes = bytes.Slice(8, (int)headerLength);
        var data = bytes[(8 + (int)headerLength)..];
        var entries = ParseHeader(headerBytes, source, out var metadata);
        CheckRanges(entries, data.Length, source);

        var tensors = new List<KeyValuePair<string, Tensor>>(entries.Count);
        foreach (var entry in entries)
        {
            var raw = data[(int)entry.Begin..(int)entry.End];
            tensors.Add(new(entry.Name, new Tensor(Decode(raw, entry.DType), entry.Shape)));
        }
        return new SafeTensorsFile(source, tensors, metadata);
    }

    private sealed record Entry(string Name, string DType, int[] Shape, long Begin, long End);

    private static List<Entry> ParseHeader(ReadOnlySpan<byte> header, string source, out Dictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw new SafeTensorsFormatException(source, $"the header is not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SafeTensorsFormatException(source, $"the header must be a JSON object, got {root.ValueKind}");
            var entries = new List<Entry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new SafeTensorsFormatException(source, $"the header lists '{property.Name}' twice");
                if (property.Name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                        throw new SafeTensorsFormatException(source, "__metadata__ must be an object of strings");
                    foreach (var item in property.Value.EnumerateObject())
                    {
                        if (item.Value.ValueKind != JsonValueKind.String)
                            throw new SafeTensorsFormatException(source, $"__metadata__ value '{item.Name}' must be a string, got {item.Value.ValueKind}");
                        metadata[item.Name] = item.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(property, source));
            }
            return entries;
        }
    }

    private static Entry ParseEntry(JsonProperty property, string source)
    {
        string name = property.Name;
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafeTensorsFormatException(source, $"tensor '{name}': header entry must be an object, got {value.ValueKind}");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new SafeTensorsFormatException(source, $"tensor '{name}': missing string field 'dtype'");
        string dtype = dtypeElement.GetString()!;
        if (ElementSize(dtype) == 0)
            throw new SafeTensorsFormatException(source, $"tensor '{name}': unknown dtype '{dtype}' (supported: F32, F64, F16, BF16)");

        var shape = ReadIntegers(value, "shape", name, source);
        var offsets = ReadIntegers(value, "data_offsets", name, source);
        if (offsets.Length != 2)
            throw new SafeTensorsFormatException(source, $"tensor '{name}': 'data_offsets' must hold [begin, end], got {offsets.Length} numbers");
        long count = 1;
        foreach (long dim in shape)
        {
            if (dim > int.MaxValue) throw new SafeTensorsFormatException(source, $"tensor '{name}': dimension {dim} is too large");
            count *= dim;
            if (count > int.MaxValue) throw new SafeTensorsFormatException(source, $"tensor '{name}': shape {Format(shape)} has too many elements");
        }
        long begin = offsets[0], end = offsets[1];
        if (end < begin)
            throw new SafeTensorsFormatException(source, $"tensor '{name}': data offsets [{begin}, {end}] end before they begin");
        long expected = count * ElementSize(dtype);
        if (end - begin != expected)
            throw new SafeTensorsFormatException(source,
                $"tensor '{name}': shape {Format(shape)} of {dtype} needs {expected} bytes, data offsets [{begin}, {end}] span {end - begin}");
        return new Entry(name, dtype, shape.Select(d => (int)d).ToArray(), begin, end);
    }

    private static long[] ReadIntegers(JsonElement entry, string field, string name, string source)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new SafeTensorsFormatException(source, $"tensor '{name}': missing array field '{field}'");
        var result = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long number) || number < 0)
                throw new SafeTensorsFormatException(source, $"tensor '{name}': '{field}' must hold non-negative integers, got {item.GetRawText()}");
            result[i++] = number;
        }
        return result;
    }

    private static void CheckRanges(List<Entry> entries, int dataLength, string source)
    {
        foreach (var entry in entries)
            if (entry.End > dataLength)
                throw new SafeTensorsFormatException(source,
                    $"tensor '{entry.Name}': data offsets [{entry.Begin}, {entry.End}] lie outside the data section of {dataLength} bytes (truncated?)");
        var byBegin = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < byBegin.Count; i++)
        {
            var previous = byBegin[i - 1];
            var current = byBegin[i];
            if (current.Begin < previous.End)
                throw new SafeTensorsFormatException(source,
                    $"tensors '{previous.Name}' [{previous.Begin}, {previous.End}] and '{current.Name}' [{current.Begin}, {current.End}] overlap");
        }
    }

    private static int ElementSize(string dtype) => dtype switch
    {
        "F32" => 4,
        "F64" => 8,
        "F16" or "BF16" => 2,
        _ => 0,
    };

    private static float[] Decode(ReadOnlySpan<byte> raw, string dtype)
    {
        int size = ElementSize(dtype);
        var values = new float[raw.Length / size];
        switch (dtype)
        {
            case "F32" when BitConverter.IsLittleEndian:
                raw.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
                break;
            case "F32":
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
                break;
            case "F64":
                for (int i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]);
                break;
            case "F16":
                for (int i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw[(2 * i)..]);
                break;
            case "BF16":
                // bfloat16 is the top half of a float32.
                for (int i = 0; i < values.Length; i++)
                    values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]) << 16);
                break;
        }
        return values;
    }

    private static string Format(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
