using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Modules.Tensors;

namespace Modules.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
/// <c>{"__metadata__": {...}, "name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}</c> padded with
/// spaces to a multiple of 8 bytes, then the raw little-endian tensor data (offsets relative to its start).
/// Writes float32; reads F32, and converts F64, F16 and BF16 to float32. Optionally records SHA-256 checksums in the
/// metadata (<see cref="HeaderChecksumKey"/>), which reading verifies.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";

    /// <summary>Largest header accepted (the reference implementation's limit), so a corrupt length fails fast.</summary>
    private const long MaxHeaderBytes = 100_000_000;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Writes <paramref name="tensors"/> (in the given order, contiguous) and optional <paramref name="metadata"/> to
    /// <paramref name="path"/>, replacing the file. Names must be unique and non-empty and may not be <c>__metadata__</c>;
    /// metadata keys may not be checksum keys (<see cref="HeaderChecksumKey"/>, <see cref="DataChecksumKey"/>,
    /// <see cref="TensorChecksumPrefix"/>…), which <paramref name="checksums"/> adds.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="tensors">Tensors by name, any shapes (rank 0 included).</param>
    /// <param name="metadata">Strings stored under <c>__metadata__</c>; omitted when null or empty (and no checksums).</param>
    /// <param name="checksums">Record the SHA-256 of every tensor, of the data section and of the header, which
    /// <see cref="Read(string)"/> verifies before returning anything.</param>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        bool checksums = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(stream, tensors, metadata, path, checksums);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Writes the safetensors bytes to <paramref name="stream"/>; see <see cref="Write(string, IEnumerable{KeyValuePair{string, Tensor}}, IReadOnlyDictionary{string, string}?, bool)"/>.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="tensors">Tensors by name.</param>
    /// <param name="metadata">Strings stored under <c>__metadata__</c>.</param>
    /// <param name="destination">Names the destination in error messages.</param>
    /// <param name="checksums">Record the SHA-256 of every tensor, of the data section and of the header.</param>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, string destination = "safetensors stream", bool checksums = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var header = BuildHeader(list, metadata, destination, checksums);

        Span<byte> lengthPrefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthPrefix, (ulong)header.Length);
        stream.Write(lengthPrefix);
        stream.Write(header);
        foreach (var (_, tensor) in list) WriteLittleEndian(stream, tensor.Values);
    }

    private static byte[] BuildHeader(List<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata, string destination,
        bool checksums)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<Entry>(tensors.Count);
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == MetadataKey)
                throw new ArgumentException($"{destination}: '{name}' cannot be a tensor name");
            if (!names.Add(name)) throw new ArgumentException($"{destination}: tensor '{name}' is given twice");
            long bytes = (long)tensor.Size * sizeof(float);
            entries.Add(new Entry(name, "F32", tensor.ShapeArray(), offset, offset + bytes));
            offset += bytes;
        }
        var allMetadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (IsChecksumKey(key)) throw new ArgumentException($"{destination}: metadata key '{key}' is reserved for checksums");
            allMetadata[key] = value;
        }
        if (checksums)
        {
            using var data = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var byName = tensors.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
            AddChecksums(allMetadata, entries, entry =>
            {
                var bytes = LittleEndianBytes(byName[entry.Name].Values);
                data.AppendData(bytes);
                return SHA256.HashData(bytes);
            }, () => data.GetHashAndReset());
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            if (allMetadata.Count > 0)
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in allMetadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            foreach (var entry in entries)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType);
                json.WriteStartArray("shape");
                foreach (int dim in entry.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(entry.Begin);
                json.WriteNumberValue(entry.End);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data section starts 8-byte aligned (the length prefix is 8 bytes).
        int length = (int)buffer.Length;
        int padded = (length + 7) / 8 * 8;
        for (int i = length; i < padded; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    // The bytes as stored: little-endian float32 (a view of the values on little-endian machines).
    private static ReadOnlySpan<byte> LittleEndianBytes(ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian) return MemoryMarshal.AsBytes(values);
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
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
    /// Reads a safetensors file. Only regular files are read (a FIFO, device or directory is refused before it is
    /// opened), and the header is checked against the file's size before the data section is read, so no input makes
    /// it hang or allocate more than the file holds. Throws <see cref="CheckpointException"/> naming the file when it
    /// cannot be read, and <see cref="SafeTensorsFormatException"/> when it is malformed: truncated, a header length
    /// beyond the file, a header that is not valid UTF-8 or a JSON object of the expected fields, a number out of range, an
    /// unknown dtype, a byte range that does not match its shape, tensors that do not cover the data section exactly
    /// (gaps, overlaps, trailing bytes), or recorded checksums (<see cref="HeaderChecksumKey"/>) that are incomplete or
    /// do not match. Files without checksums are read with <see cref="SafeTensorsFile.Verified"/> false.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The tensors in header order (float32) and the metadata (without the checksum entries).</returns>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var handle = RegularFile.OpenForReading(path);
        long length = RegularFile.LengthOf(handle, path);
        if (length < 8) throw Truncated(length, path);
        Span<byte> prefix = stackalloc byte[8];
        RegularFile.ReadExactly(handle, prefix, 0, path);
        int headerLength = CheckHeaderLength(BinaryPrimitives.ReadUInt64LittleEndian(prefix), length - 8, path);
        var header = new byte[headerLength];
        RegularFile.ReadExactly(handle, header, 8, path);
        var layout = ParseHeader(header, path);
        long dataLength = length - 8 - headerLength;
        CheckCoverage(layout.Entries, dataLength, path);
        // Coverage bounds the data section by the tensors' sizes (each under 2^31 elements), but not their sum.
        if (dataLength > Array.MaxLength)
            throw new SafeTensorsFormatException(path, $"the data section of {dataLength} bytes exceeds the {Array.MaxLength} bytes this reader supports");
        var data = new byte[dataLength];
        RegularFile.ReadExactly(handle, data, 8 + headerLength, path);
        return Build(layout, data, path);
    }

    /// <summary>Parses safetensors bytes with the checks of <see cref="Read(string)"/>.</summary>
    /// <param name="bytes">The whole file's contents.</param>
    /// <param name="source">Names the bytes in error messages.</param>
    public static SafeTensorsFile Parse(ReadOnlySpan<byte> bytes, string source = "safetensors bytes")
    {
        if (bytes.Length < 8) throw Truncated(bytes.Length, source);
        int headerLength = CheckHeaderLength(BinaryPrimitives.ReadUInt64LittleEndian(bytes), bytes.Length - 8, source);
        var layout = ParseHeader(bytes.Slice(8, headerLength), source);
        var data = bytes[(8 + headerLength)..];
        CheckCoverage(layout.Entries, data.Length, source);
        return Build(layout, data, source);
    }

    private static SafeTensorsFormatException Truncated(long length, string source) =>
        new(source, $"truncated: {length} bytes, a safetensors file starts with an 8-byte header length");

    private static int CheckHeaderLength(ulong headerLength, long available, string source)
    {
        if (headerLength > (ulong)available)
            throw new SafeTensorsFormatException(source,
                $"header length {headerLength} bytes is beyond the end of the file ({available} bytes follow the length prefix; truncated?)");
        if (headerLength > MaxHeaderBytes)
            throw new SafeTensorsFormatException(source, $"header length {headerLength} bytes exceeds the limit of {MaxHeaderBytes}");
        return (int)headerLength;
    }

    private sealed record Entry(string Name, string DType, int[] Shape, long Begin, long End);

    // The header's tensors and its metadata, checksum entries included.
    private sealed record Layout(List<Entry> Entries, Dictionary<string, string> Metadata);

    private static Layout ParseHeader(ReadOnlySpan<byte> header, string source)
    {
        // System.Text.Json defers UTF-8 validation of names and strings to when they are read; check it all first.
        if (InvalidUtf8At(header) is int bad)
            throw new SafeTensorsFormatException(source, $"the header is not valid UTF-8 (byte 0x{header[bad]:X2} at header offset {bad})");
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
            try
            {
                return ParseRoot(document.RootElement, source);
            }
            catch (InvalidOperationException e)
            {
                // Escapes such as \uD800 (a lone surrogate) are valid JSON but no string: System.Text.Json throws on reading them.
                throw new SafeTensorsFormatException(source, $"the header holds a name or string that is not valid Unicode ({e.Message})", e);
            }
        }
    }

    private static Layout ParseRoot(JsonElement root, string source)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
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
                    if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                        throw new SafeTensorsFormatException(source, $"__metadata__ lists '{item.Name}' twice");
                }
                continue;
            }
            entries.Add(ParseEntry(property, source));
        }
        return new Layout(entries, metadata);
    }

    // The offset of the first byte that does not start a valid UTF-8 sequence, or null when all are valid.
    private static int? InvalidUtf8At(ReadOnlySpan<byte> bytes)
    {
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) != OperationStatus.Done) return offset;
            offset += consumed;
        }
        return null;
    }

    private static Entry ParseEntry(JsonProperty property, string source)
    {
        string name = property.Name;
        var value = property.Value;
        if (name.Length == 0) throw new SafeTensorsFormatException(source, "a tensor has an empty name");
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafeTensorsFormatException(source, $"tensor '{name}': header entry must be an object, got {value.ValueKind}");
        JsonElement? dtypeElement = null, shapeElement = null, offsetsElement = null;
        foreach (var field in value.EnumerateObject())
        {
            ref JsonElement? slot = ref dtypeElement;
            if (field.Name == "dtype") slot = ref dtypeElement;
            else if (field.Name == "shape") slot = ref shapeElement;
            else if (field.Name == "data_offsets") slot = ref offsetsElement;
            else throw new SafeTensorsFormatException(source, $"tensor '{name}': unknown field '{field.Name}' (expected dtype, shape, data_offsets)");
            if (slot is not null) throw new SafeTensorsFormatException(source, $"tensor '{name}': field '{field.Name}' appears twice");
            slot = field.Value;
        }
        if (dtypeElement is not { ValueKind: JsonValueKind.String } dtypeValue)
            throw new SafeTensorsFormatException(source, $"tensor '{name}': missing string field 'dtype'");
        string dtype = dtypeValue.GetString()!;
        if (ElementSize(dtype) == 0)
            throw new SafeTensorsFormatException(source, $"tensor '{name}': unknown dtype '{dtype}' (supported: F32, F64, F16, BF16)");

        var shape = ReadIntegers(shapeElement, "shape", name, source);
        var offsets = ReadIntegers(offsetsElement, "data_offsets", name, source);
        if (offsets.Length != 2)
            throw new SafeTensorsFormatException(source, $"tensor '{name}': 'data_offsets' must hold [begin, end], got {offsets.Length} numbers");
        long count = 1;
        foreach (long dim in shape)
        {
            if (dim > int.MaxValue) throw new SafeTensorsFormatException(source, $"tensor '{name}': dimension {dim} is too large");
            count *= dim;
            if (count > int.MaxValue) throw new SafeTensorsFormatException(source, $"tensor '{name}': shape {ShapeUtil.Format(shape)} has too many elements");
        }
        long begin = offsets[0], end = offsets[1];
        if (end < begin)
            throw new SafeTensorsFormatException(source, $"tensor '{name}': data offsets [{begin}, {end}] end before they begin");
        long expected = count * ElementSize(dtype);
        if (end - begin != expected)
            throw new SafeTensorsFormatException(source,
                $"tensor '{name}': shape {ShapeUtil.Format(shape)} of {dtype} needs {expected} bytes, data offsets [{begin}, {end}] span {end - begin}");
        return new Entry(name, dtype, shape.Select(d => (int)d).ToArray(), begin, end);
    }

    private static long[] ReadIntegers(JsonElement? element, string field, string name, string source)
    {
        if (element is not { ValueKind: JsonValueKind.Array } array)
            throw new SafeTensorsFormatException(source, $"tensor '{name}': missing array field '{field}'");
        var result = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long number) || number < 0)
                throw new SafeTensorsFormatException(source, $"tensor '{name}': '{field}' must hold non-negative 64-bit integers, got {item.GetRawText()}");
            result[i++] = number;
        }
        return result;
    }

    // The tensors must tile the data section: in offset order each begins where the previous ended, the first at 0 and
    // the last at its end. Anything else is a gap, an overlap or trailing bytes, none of which a writer produces.
    private static void CheckCoverage(List<Entry> entries, long dataLength, string source)
    {
        foreach (var entry in entries)
            if (entry.End > dataLength)
                throw new SafeTensorsFormatException(source,
                    $"tensor '{entry.Name}': data offsets [{entry.Begin}, {entry.End}] lie outside the data section of {dataLength} bytes (truncated?)");
        var byBegin = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long covered = 0;
        Entry? previous = null;
        foreach (var current in byBegin)
        {
            if (current.Begin < covered)
                throw new SafeTensorsFormatException(source,
                    $"tensors '{previous!.Name}' [{previous.Begin}, {previous.End}] and '{current.Name}' [{current.Begin}, {current.End}] overlap");
            if (current.Begin > covered)
                throw new SafeTensorsFormatException(source,
                    $"data bytes [{covered}, {current.Begin}) belong to no tensor (the next, '{current.Name}', begins at {current.Begin})");
            covered = current.End;
            previous = current;
        }
        if (covered != dataLength)
            throw new SafeTensorsFormatException(source, $"{dataLength - covered} trailing bytes: the tensors end at {covered}, the data section has {dataLength} bytes");
    }

    private static SafeTensorsFile Build(Layout layout, ReadOnlySpan<byte> data, string source)
    {
        bool verified = VerifyChecksums(layout, data, source);
        var tensors = new List<KeyValuePair<string, Tensor>>(layout.Entries.Count);
        foreach (var entry in layout.Entries)
        {
            var raw = data[(int)entry.Begin..(int)entry.End];
            tensors.Add(new(entry.Name, new Tensor(Decode(raw, entry.DType), entry.Shape)));
        }
        var metadata = layout.Metadata.Where(m => !IsChecksumKey(m.Key)).ToDictionary(StringComparer.Ordinal);
        return new SafeTensorsFile(source, tensors, metadata, verified);
    }

    /// <summary>
    /// Metadata key of the header's SHA-256 (lower-case hex): over the other metadata entries, sorted by key, and every
    /// tensor's name, dtype, shape and data offsets in header order, so an edited step, configuration or byte range is
    /// detected. Written together with <see cref="DataChecksumKey"/> and one <see cref="TensorChecksumPrefix"/> entry per
    /// tensor when <c>checksums</c> is set; a file holds all of them or none.
    /// </summary>
    public const string HeaderChecksumKey = "header_sha256";

    /// <summary>Metadata key of the data section's SHA-256 (lower-case hex); see <see cref="HeaderChecksumKey"/>.</summary>
    public const string DataChecksumKey = "data_sha256";

    /// <summary>Prefix of the metadata keys holding each tensor's SHA-256 (<c>sha256/param/dnc/lstm/w_gates</c>).</summary>
    public const string TensorChecksumPrefix = "sha256/";

    private static bool IsChecksumKey(string key) =>
        key == HeaderChecksumKey || key == DataChecksumKey || key.StartsWith(TensorChecksumPrefix, StringComparison.Ordinal);

    // The checksum entries for tensors laid out as `entries` over `data`: one per tensor, the data section's, then the header's.
    private static void AddChecksums(Dictionary<string, string> metadata, List<Entry> entries, Func<Entry, byte[]> tensorHash, Func<byte[]> dataHash)
    {
        foreach (var entry in entries) metadata[TensorChecksumPrefix + entry.Name] = Convert.ToHexStringLower(tensorHash(entry));
        metadata[DataChecksumKey] = Convert.ToHexStringLower(dataHash());
        metadata[HeaderChecksumKey] = Convert.ToHexStringLower(HeaderDigest(metadata, entries));
    }

    // Returns whether checksums were recorded (and all matched); throws when some are recorded but incomplete or wrong.
    private static bool VerifyChecksums(Layout layout, ReadOnlySpan<byte> data, string source)
    {
        var metadata = layout.Metadata;
        if (!metadata.Keys.Any(IsChecksumKey)) return false;
        string Recorded(string key, string what) =>
            metadata.TryGetValue(key, out var hex) ? (IsSha256Hex(hex) ? hex : throw new SafeTensorsFormatException(source,
                    $"the recorded checksum of {what} is not 64 lower-case hex digits: '{Shorten(hex)}'"))
                : throw new SafeTensorsFormatException(source, $"the header records checksums but none for {what} ('{key}')");
        var names = layout.Entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var key in metadata.Keys)
            if (key.StartsWith(TensorChecksumPrefix, StringComparison.Ordinal) && !names.Contains(key[TensorChecksumPrefix.Length..]))
                throw new SafeTensorsFormatException(source, $"the header records a checksum for tensor '{key[TensorChecksumPrefix.Length..]}', which it does not list");

        // Each tensor first, so that corrupted data is reported by the tensor it belongs to.
        foreach (var entry in layout.Entries)
        {
            string recorded = Recorded(TensorChecksumPrefix + entry.Name, $"tensor '{entry.Name}'");
            string actual = Convert.ToHexStringLower(SHA256.HashData(data[(int)entry.Begin..(int)entry.End]));
            if (actual != recorded)
                throw new SafeTensorsFormatException(source,
                    $"tensor '{entry.Name}': checksum mismatch, its data is corrupted (recorded sha256 {recorded[..12]}…, data hashes to {actual[..12]}…)");
        }
        string recordedData = Recorded(DataChecksumKey, "the data section");
        string actualData = Convert.ToHexStringLower(SHA256.HashData(data));
        if (actualData != recordedData)
            throw new SafeTensorsFormatException(source,
                $"the data section's checksum does not match (recorded sha256 {recordedData[..12]}…, data hashes to {actualData[..12]}…)");
        string recordedHeader = Recorded(HeaderChecksumKey, "the header");
        string actualHeader = Convert.ToHexStringLower(HeaderDigest(metadata, layout.Entries));
        if (actualHeader != recordedHeader)
            throw new SafeTensorsFormatException(source,
                $"the header's checksum does not match: metadata or tensor entries were changed after writing (recorded sha256 {recordedHeader[..12]}…, header hashes to {actualHeader[..12]}…)");
        return true;
    }

    private static bool IsSha256Hex(string text) => text.Length == 64 && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    // SHA-256 of a canonical JSON text: [[key, value] of every metadata entry but the header checksum, sorted by key],
    // then [name, dtype, [shape], begin, end] of every tensor in header order. Whitespace and field order in the file
    // do not matter; every value does.
    private static byte[] HeaderDigest(IReadOnlyDictionary<string, string> metadata, List<Entry> entries)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteStartArray();
            foreach (var (key, value) in metadata.Where(m => m.Key != HeaderChecksumKey).OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                json.WriteStartArray();
                json.WriteStringValue(key);
                json.WriteStringValue(value);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteStartArray();
            foreach (var entry in entries)
            {
                json.WriteStartArray();
                json.WriteStringValue(entry.Name);
                json.WriteStringValue(entry.DType);
                json.WriteStartArray();
                foreach (int dim in entry.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteNumberValue(entry.Begin);
                json.WriteNumberValue(entry.End);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteEndArray();
        }
        return SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
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

}
