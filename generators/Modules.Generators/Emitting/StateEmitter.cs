using System.Linq;
using Modules.Generators.Model;

namespace Modules.Generators.Emitting
{
    /// <summary>Emits the <c>IState&lt;TSelf&gt;</c> implementation of a [State] struct.</summary>
    internal static class StateEmitter
    {
        private const string Tensor = "global::Modules.Tensors.Tensor";
        private const string TensorList = "global::System.Collections.Generic.IReadOnlyList<" + Tensor + ">";
        private const string StringList = "global::System.Collections.Generic.IReadOnlyList<string>";

        public static string Emit(StateModel model)
        {
            var self = model.Type.Name;
            return TypeScaffold.Write(model.Type, $"global::Modules.IState<{self}>", w =>
            {
                w.Line("private static readonly string[] __paths = __BuildPaths();");
                w.Line();
                w.Line("/// <inheritdoc/>");
                w.Line($"public static {StringList} Paths => __paths;");
                w.Line();
                using (w.Block("private static string[] __BuildPaths()"))
                {
                    w.Line("var paths = new global::System.Collections.Generic.List<string>();");
                    foreach (var m in model.Members)
                        w.Line(m.NestedStateType is null
                            ? $"paths.Add({Naming.Literal(m.PathName)});"
                            : $"paths.AddRange(global::Modules.StateLists.Prefix({Naming.Literal(m.PathName)}, {m.NestedStateType}.Paths));");
                    w.Line("return paths.ToArray();");
                }
                w.Line();
                w.Line("/// <inheritdoc/>");
                using (w.Block($"public {TensorList} Flatten()"))
                {
                    w.Line($"var tensors = new global::System.Collections.Generic.List<{Tensor}>(__paths.Length);");
                    foreach (var m in model.Members)
                        w.Line(m.NestedStateType is null ? $"tensors.Add(this.{m.Name});" : $"tensors.AddRange(this.{m.Name}.Flatten());");
                    w.Line("return tensors.ToArray();");
                }
                w.Line();
                w.Line("/// <inheritdoc/>");
                using (w.Block($"public static {self} Unflatten({TensorList} tensors)"))
                {
                    w.Line($"global::Modules.StateLists.RequireCount(tensors, __paths.Length, {Naming.Literal(model.Type.SimpleName)});");
                    w.Line("int index = 0;");
                    for (int i = 0; i < model.Members.Count; i++)
                    {
                        var m = model.Members[i];
                        if (m.NestedStateType is null)
                            w.Line($"var v{i} = tensors[index++];");
                        else
                        {
                            w.Line($"var v{i} = {m.NestedStateType}.Unflatten(global::Modules.StateLists.Slice(tensors, index, {m.NestedStateType}.Paths.Count));");
                            w.Line($"index += {m.NestedStateType}.Paths.Count;");
                        }
                    }
                    w.Line($"return {Construct(model, i => $"v{i}")};");
                }
                w.Line();
                w.Line("/// <inheritdoc/>");
                w.Line($"public {self} Map(global::System.Func<{Tensor}, {Tensor}> f) =>");
                w.Line($"    {Construct(model, i => model.Members[i].NestedStateType is null ? $"f(this.{model.Members[i].Name})" : $"this.{model.Members[i].Name}.Map(f)")};");
                w.Line();
                w.Line("/// <inheritdoc/>");
                w.Line($"public static {self} Zip({self} a, {self} b, global::System.Func<{Tensor}, {Tensor}, {Tensor}> f) =>");
                w.Line($"    {Construct(model, i => model.Members[i].NestedStateType is { } nested ? $"{nested}.Zip(a.{model.Members[i].Name}, b.{model.Members[i].Name}, f)" : $"f(a.{model.Members[i].Name}, b.{model.Members[i].Name})")};");
                w.Line();
                w.Line("/// <inheritdoc/>");
                w.Line($"public {self} Detach() => Map(static t => t.Detach());");
                w.Line();
                w.Line("/// <inheritdoc/>");
                w.Line("public string ToJson() => global::Modules.StateJson.Write(__paths, Flatten());");
            });
        }

        /// <summary>A constructor call (positional records) or an object initializer with one value per member.</summary>
        private static string Construct(StateModel model, System.Func<int, string> value)
        {
            var values = Enumerable.Range(0, model.Members.Count).Select(value).ToArray();
            return model.IsPositional
                ? $"new {model.Type.Name}({string.Join(", ", values)})"
                : $"new {model.Type.Name} {{ {string.Join(", ", model.Members.Select((m, i) => $"{m.Name} = {values[i]}"))} }}";
        }
    }
}
