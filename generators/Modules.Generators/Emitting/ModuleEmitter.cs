using System.Linq;
using Modules.Generators.Model;

namespace Modules.Generators.Emitting
{
    /// <summary>Emits the partial half of a [Module] class: default name, member enumeration, parameter assignment and GetX accessors.</summary>
    internal static class ModuleEmitter
    {
        private const string Tensor = "global::Modules.Tensors.Tensor";

        public static string Emit(ModuleModel model) => TypeScaffold.Write(model.Type, null, w =>
        {
            w.Line("/// <inheritdoc/>");
            w.Line($"protected override string DefaultName => {Naming.Literal(model.DefaultName)};");
            w.Line();
            w.Line("/// <inheritdoc/>");
            using (w.Block("protected override void VisitMembers(global::Modules.ModuleMemberVisitor visitor)"))
            {
                w.Line("base.VisitMembers(visitor);");
                foreach (var m in model.Members)
                {
                    switch (m.Kind)
                    {
                        case ModuleMemberKind.Parameter: w.Line($"visitor.Parameter({Naming.Literal(m.PathName)}, this.{m.Access});"); break;
                        case ModuleMemberKind.Child: w.Line($"visitor.Child(this.{m.Access});"); break;
                        case ModuleMemberKind.Children: w.Line($"visitor.Children(this.{m.Access});"); break;
                        default: EmitElements(w, m); break;
                    }
                }
            }
            w.Line();
            w.Line("/// <inheritdoc/>");
            using (w.Block($"protected override bool AssignParameter(string name, {Tensor} value)"))
            {
                foreach (var m in model.Members)
                {
                    if (m.Kind != ModuleMemberKind.Parameter) continue;
                    using (w.Block($"if (name == {Naming.Literal(m.PathName)})"))
                    {
                        w.Line($"this.{m.Access} = value;");
                        w.Line("return true;");
                    }
                }
                w.Line("return base.AssignParameter(name, value);");
            }
            foreach (var m in model.Members)
            {
                if (m.Kind != ModuleMemberKind.Parameter) continue;
                w.Line();
                w.Line($"/// <summary>The parameter <c>{m.PathName}</c>: created with <paramref name=\"init\"/>(<paramref name=\"shape\"/>) on the first call, checked against <paramref name=\"shape\"/> on later calls.</summary>");
                w.Line($"private {Tensor} {m.AccessorName}(int[] shape, global::System.Func<int[], {Tensor}> init) =>");
                w.Line($"    this.{m.Access} = GetOrCreateParameter(this.{m.Access}, {Naming.Literal(m.PathName)}, shape, init);");
            }
            if (model.InitialState is { } plan) EmitInitialState(w, plan);
        });

        /// <summary>InitialState(batchSize): each member of the state is its child's InitialState(batchSize).</summary>
        private static void EmitInitialState(IndentedWriter w, InitialStatePlan plan)
        {
            w.Line();
            // A partial implementation takes its documentation from the user's declaration.
            if (plan.Modifiers == "public")
                w.Line("/// <summary>The state before the first step: each member is the initial state of the child of the same name.</summary>");
            w.Line($"{plan.Modifiers} {plan.StateType} InitialState(int {plan.Parameter}) =>");
            var values = plan.Parts.Select(p => $"this.{p.Child}{(p.ChildNullable ? "!" : "")}.InitialState({plan.Parameter})").ToArray();
            w.Line(plan.IsPositional
                ? $"    new {plan.StateType}({string.Join(", ", values)});"
                : $"    new {plan.StateType} {{ {string.Join(", ", plan.Parts.Select((p, i) => $"{p.Member} = {values[i]}"))} }};");
        }

        /// <summary>
        /// Loops over a dictionary or nested collection, level by level (dictionaries in ordinal key order, sequences
        /// by index), and names each module element after the member and its keys: <c>grid_0_1</c>, <c>heads_query</c>.
        /// </summary>
        private static void EmitElements(IndentedWriter w, ModuleMember m)
        {
            const string Visitor = "global::Modules.ModuleMemberVisitor";
            var scopes = new System.Collections.Generic.List<System.IDisposable>();
            var keys = new System.Collections.Generic.List<string>();
            string current = "this." + m.Access;
            for (int level = 0; level < m.Levels.Length; level++)
            {
                string element = "e" + level, key = "k" + level;
                if (m.Levels[level] == 'm')
                {
                    scopes.Add(w.Block($"foreach (var {element} in {Visitor}.ByKey({current}))"));
                    keys.Add($"{element}.Key");
                    current = $"{element}.Value";
                }
                else
                {
                    scopes.Add(w.Block($"if ({current} is {{ }} c{level})"));
                    w.Line($"var {key} = 0;");
                    scopes.Add(w.Block($"foreach (var {element} in c{level})"));
                    w.Line($"var {key}Name = ({key}++).ToString(global::System.Globalization.CultureInfo.InvariantCulture);");
                    keys.Add(key + "Name");
                    current = element;
                }
            }
            w.Line($"visitor.Child({current}, {Visitor}.ElementName({Naming.Literal(m.PathName)}, {string.Join(", ", keys)}));");
            for (int i = scopes.Count - 1; i >= 0; i--) scopes[i].Dispose();
        }
    }
}
