using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Modules.Tensors;

namespace Modules;

/// <summary>Writes state snapshots as JSON for generated <see cref="IState{TSelf}.ToJson"/> code (no reflection).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class StateJson
{
    /// <summary>
    /// Writes <c>{"path": {"shape": [...], "values": [...]}, ...}</c> for parallel lists of paths and tensors.
    /// Non-finite values are written as the strings <c>"NaN"</c>, <c>"Infinity"</c> and <c>"-Infinity"</c>, which
    /// System.Text.Json reads back with <c>JsonNumberHandling.AllowNamedFloatingPointLiterals</c>.
    /// </summary>
    public static string Write(IReadOnlyList<string> paths, IReadOnlyList<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(tensors);
        if (paths.Count != tensors.Count)
            throw new ArgumentException($"StateJson.Write: {paths.Count} paths for {tensors.Count} tensors");
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            for (int i = 0; i < paths.Count; i++)
            {
                writer.WriteStartObject(paths[i]);
                writer.WriteStartArray("shape");
                foreach (var d in tensors[i].Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("values");
                foreach (var v in tensors[i].Values)
                {
                    // JSON has no NaN/Infinity; write them as System.Text.Json's named literals ("NaN", "Infinity", "-Infinity").
                    if (float.IsFinite(v)) writer.WriteNumberValue(v);
                    else writer.WriteStringValue(float.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
