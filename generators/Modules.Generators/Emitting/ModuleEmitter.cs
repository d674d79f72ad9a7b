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
                    w.Line(m.Kind switch
                    {
                        ModuleMemberKind.Parameter => $"visitor.Parameter({Naming.Literal(m.PathName)}, this.{m.Access});",
                        ModuleMemberKind.Child => $"visitor.Child(this.{m.Access});",
                        _ => $"visitor.Children(this.{m.Access});",
                    });
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
        });
    }
}
