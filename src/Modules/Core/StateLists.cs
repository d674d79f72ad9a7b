using System.ComponentModel;
using Modules.Tensors;

namespace Modules;

/// <summary>Run-time support for generated <see cref="IState{TSelf}"/> code: checked counts and sub-lists of a flat tensor list.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class StateLists
{
    /// <summary>Throws unless <paramref name="tensors"/> holds exactly <paramref name="expected"/> tensors for state type <paramref name="stateType"/>.</summary>
    public static void RequireCount(IReadOnlyList<Tensor> tensors, int expected, string stateType)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count != expected)
            throw new ArgumentException($"{stateType}.Unflatten: expected {expected} tensors, got {tensors.Count}");
    }

    /// <summary>The <paramref name="count"/> tensors starting at <paramref name="start"/>, without copying.</summary>
    public static IReadOnlyList<Tensor> Slice(IReadOnlyList<Tensor> tensors, int start, int count) =>
        tensors is Tensor[] array ? new ArraySegment<Tensor>(array, start, count) : tensors.Skip(start).Take(count).ToArray();

    /// <summary>Appends <paramref name="path"/>/ to each of <paramref name="nested"/>'s paths.</summary>
    public static IEnumerable<string> Prefix(string path, IReadOnlyList<string> nested) => nested.Select(p => path + "/" + p);
}
