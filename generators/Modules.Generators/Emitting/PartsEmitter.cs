using System.Linq;
using Modules.Generators.Model;

namespace Modules.Generators.Emitting
{
    /// <summary>Emits the size introspection and splitting members of a [Parts] struct.</summary>
    internal static class PartsEmitter
    {
        private const string Tensor = "global::Modules.Tensors.Tensor";

        public static string Emit(PartsModel model)
        {
            var self = model.Type.Name;
            var dimParams = string.Join(", ", model.DimParameters.Select(d => "int " + d));
            var dimArgs = string.Join(", ", model.DimParameters);
            var withDims = dimParams.Length == 0 ? "" : ", " + dimParams;
            string Size(PartMember p) => p.Dims.Count == 0 ? "1" : string.Join(" * ", p.Dims);
            var owner = Naming.Literal(model.Type.SimpleName);

            return TypeScaffold.Write(model.Type, null, w =>
            {
                w.Line("/// <summary>The width of the flat vector: the sum of <see cref=\"PartSizes\"/>.</summary>");
                w.Line($"public static int ParamSize({dimParams}) =>");
                w.Line($"    {(model.Parts.Count == 0 ? "0" : string.Join(" + ", model.Parts.Select(p => p.Dims.Count > 1 ? "(" + Size(p) + ")" : Size(p))))};");
                w.Line();
                w.Line("/// <summary>The flat width of each part, in declaration order.</summary>");
                w.Line($"public static int[] PartSizes({dimParams}) =>");
                w.Line($"    new int[] {{ {string.Join(", ", model.Parts.Select(Size))} }};");
                w.Line();
                w.Line("/// <summary>The snake_case name of each part, in declaration order.</summary>");
                w.Line($"public static global::System.Collections.Generic.IReadOnlyList<string> PartNames {{ get; }} = new string[] {{ {string.Join(", ", model.Parts.Select(p => Naming.Literal(p.PartName)))} }};");
                w.Line();
                w.Line("/// <summary>Cuts <paramref name=\"flat\"/> <c>[B, ParamSize]</c> into the parts, each shaped <c>[B, dims...]</c>.</summary>");
                using (w.Block($"public static {self} Split({Tensor} flat{withDims})"))
                {
                    w.Line($"var pieces = global::Modules.FlatParts.Split(flat, PartSizes({dimArgs}), {owner});");
                    w.Line("int batch = flat.Dim(0);");
                    w.Line($"return {Construct(model, i => $"pieces[{i}].Reshape({string.Join(", ", new[] { "batch" }.Concat(model.Parts[i].Dims))})")};");
                }
                w.Line();
                w.Line("/// <summary>Builds the struct from per-part tensors <c>[B, size]</c> (in declaration order), reshaping each to <c>[B, dims...]</c>.</summary>");
                using (w.Block($"public static {self} FromParts(global::System.Collections.Generic.IReadOnlyList<{Tensor}> parts{withDims})"))
                {
                    w.Line($"global::Modules.FlatParts.RequireCount(parts, {model.Parts.Count}, {owner});");
                    w.Line("int batch = parts.Count == 0 ? 0 : parts[0].Dim(0);");
                    w.Line($"return {Construct(model, i => $"global::Modules.FlatParts.Shape(parts, {i}, batch, {Size(model.Parts[i])}, {IntArray(model.Parts[i].Dims)}, {owner}, {Naming.Literal(model.Parts[i].PartName)})")};");
                }
            });
        }

        private static string IntArray(EquatableArray<string> dims) =>
            dims.Count == 0 ? "global::System.Array.Empty<int>()" : $"new int[] {{ {string.Join(", ", dims)} }}";

        private static string Construct(PartsModel model, System.Func<int, string> value)
        {
            var values = Enumerable.Range(0, model.Parts.Count).Select(value).ToArray();
            return model.IsPositional
                ? $"new {model.Type.Name}({string.Join(", ", values)})"
                : $"new {model.Type.Name} {{ {string.Join(", ", model.Parts.Select((p, i) => $"{p.Name} = {values[i]}"))} }}";
        }
    }
}
