using System.Globalization;
using System.Text.Json;

namespace Modules.Snapshots;

/// <summary>
/// Where two JSON documents differ, by path rather than by line: for a state tree's <c>ToJson()</c> the state paths
/// (<c>access/memory: 2 of 24 values differ, first at [5]: 0.1 → 0.2</c>, <c>usage: shape [2, 4] → [2, 5]</c>).
/// </summary>
internal static class JsonDiff
{
    private const int MaxEntries = 20;

    /// <summary>One line per differing path, in the verified document's order; null when either text is not JSON.</summary>
    public static IReadOnlyList<string>? Compute(string expected, string actual)
    {
        try
        {
            using var a = JsonDocument.Parse(expected);
            using var b = JsonDocument.Parse(actual);
            var result = new List<string>();
            Compare("", a.RootElement, b.RootElement, result);
            if (result.Count > MaxEntries)
                result = [.. result.Take(MaxEntries), $"… and {result.Count - MaxEntries} more"];
            return result;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Compare(string path, JsonElement a, JsonElement b, List<string> result)
    {
        if (a.ValueKind == JsonValueKind.Object && b.ValueKind == JsonValueKind.Object)
        {
            if (IsTensor(a) && IsTensor(b))
            {
                CompareTensor(path, a, b, result);
                return;
            }
            var bKeys = b.EnumerateObject().Select(p => p.Name).ToList();
            foreach (var property in a.EnumerateObject())
            {
                if (b.TryGetProperty(property.Name, out var other)) Compare(Join(path, property.Name), property.Value, other, result);
                else result.Add($"{Join(path, property.Name)}: only in the verified snapshot");
            }
            foreach (var name in bKeys)
                if (!a.TryGetProperty(name, out _)) result.Add($"{Join(path, name)}: only in the received text");
            return;
        }
        if (a.ValueKind == JsonValueKind.Array && b.ValueKind == JsonValueKind.Array)
        {
            var x = a.EnumerateArray().ToList();
            var y = b.EnumerateArray().ToList();
            if (x.Count != y.Count)
            {
                result.Add($"{Label(path)}: {x.Count} elements → {y.Count}");
                return;
            }
            if (x.All(IsScalar) && y.All(IsScalar))
            {
                var differing = Enumerable.Range(0, x.Count).Where(i => x[i].GetRawText() != y[i].GetRawText()).ToList();
                if (differing.Count > 0)
                {
                    int i = differing[0];
                    result.Add($"{Label(path)}: {differing.Count} of {x.Count} elements differ, first at [{i}]: {x[i].GetRawText()} → {y[i].GetRawText()}");
                }
                return;
            }
            for (int i = 0; i < x.Count; i++) Compare($"{path}[{i}]", x[i], y[i], result);
            return;
        }
        if (a.GetRawText() != b.GetRawText()) result.Add($"{Label(path)}: {a.GetRawText()} → {b.GetRawText()}");
    }

    /// <summary>A tensor as <see cref="StateJson"/> writes it: <c>{"shape": [...], "values": [...]}</c>.</summary>
    private static void CompareTensor(string path, JsonElement a, JsonElement b, List<string> result)
    {
        string shapeA = Shape(a), shapeB = Shape(b);
        if (shapeA != shapeB)
        {
            result.Add($"{Label(path)}: shape {shapeA} → {shapeB}");
            return;
        }
        var x = a.GetProperty("values").EnumerateArray().Select(v => v.GetRawText()).ToList();
        var y = b.GetProperty("values").EnumerateArray().Select(v => v.GetRawText()).ToList();
        var differing = Enumerable.Range(0, Math.Min(x.Count, y.Count)).Where(i => x[i] != y[i]).ToList();
        if (differing.Count > 0)
            result.Add($"{Label(path)}: {differing.Count} of {x.Count} values differ, first at [{differing[0]}]: {x[differing[0]]} → {y[differing[0]]}");
        else if (x.Count != y.Count)
            result.Add($"{Label(path)}: {x.Count} values → {y.Count}");
    }

    private static bool IsTensor(JsonElement e) =>
        e.TryGetProperty("shape", out var s) && s.ValueKind == JsonValueKind.Array &&
        e.TryGetProperty("values", out var v) && v.ValueKind == JsonValueKind.Array &&
        e.EnumerateObject().Count() == 2;

    private static string Shape(JsonElement tensor) =>
        "[" + string.Join(", ", tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetRawText())) + "]";

    private static bool IsScalar(JsonElement e) => e.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array);

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "/" + name;

    private static string Label(string path) => path.Length == 0 ? "(root)" : path;
}
