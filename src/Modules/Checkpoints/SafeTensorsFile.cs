using Modules.Tensors;

namespace Modules.Checkpoints;

/// <summary>The contents of a safetensors file: its tensors in header order and its <c>__metadata__</c> strings.</summary>
public sealed class SafeTensorsFile
{
    private readonly Dictionary<string, Tensor> byName;

    /// <summary>Wraps tensors read from <paramref name="source"/>.</summary>
    /// <param name="source">Where the tensors came from (named in errors).</param>
    /// <param name="tensors">Tensors by name, in header order; names must be unique.</param>
    /// <param name="metadata">The header's metadata strings.</param>
    /// <param name="verified">Whether checksums recorded in the file were verified (see <see cref="Verified"/>).</param>
    public SafeTensorsFile(string source, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string> metadata,
        bool verified = false)
    {
        Source = source;
        Verified = verified;
        Tensors = tensors;
        Metadata = metadata;
        byName = new Dictionary<string, Tensor>(tensors.Count, StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
            if (!byName.TryAdd(name, tensor)) throw new ArgumentException($"{source}: tensor '{name}' appears twice");
    }

    /// <summary>The file (or description) the tensors were read from.</summary>
    public string Source { get; }

    /// <summary>The tensors by name, in the order the header lists them. Each is float32 with its stored shape.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Tensors { get; }

    /// <summary>
    /// True when the file recorded checksums (<see cref="SafeTensors.HeaderChecksumKey"/>) and every one matched; false when
    /// it recorded none (written without checksums, e.g. by an earlier version or another tool): then only the format
    /// was checked, and a flipped bit in the data would have gone unnoticed. A file with checksums that do not match is
    /// never returned.
    /// </summary>
    public bool Verified { get; }

    /// <summary>The header's <c>__metadata__</c> (string to string; empty when absent), without the checksum entries.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor called <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> naming the file when absent.</summary>
    /// <param name="name">The tensor's name, e.g. <c>param/dnc/lstm/w_gates</c>.</param>
    public Tensor this[string name] => byName.TryGetValue(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"{Source}: no tensor named '{name}'");

    /// <summary>Whether the file holds a tensor called <paramref name="name"/>; if so returns it.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="tensor">The tensor, when found.</param>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Tensor? tensor) =>
        byName.TryGetValue(name, out tensor);

    /// <summary>Lets callers write <c>var (tensors, metadata) = SafeTensors.Read(path);</c>.</summary>
    /// <param name="tensors">The tensors in header order.</param>
    /// <param name="metadata">The metadata strings.</param>
    public void Deconstruct(out IReadOnlyList<KeyValuePair<string, Tensor>> tensors, out IReadOnlyDictionary<string, string> metadata)
    {
        tensors = Tensors;
        metadata = Metadata;
    }
}
