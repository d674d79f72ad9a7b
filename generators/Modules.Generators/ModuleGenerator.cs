using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Modules.Generators.Emitting;
using Modules.Generators.Model;
using Modules.Generators.Parsing;

namespace Modules.Generators
{
    /// <summary>
    /// The incremental generator behind <c>[Module]</c>, <c>[State]</c> and <c>[Parts]</c>: it matches the attributes by
    /// metadata name, parses each type into an equatable model (reporting MOD00x diagnostics), and emits one
    /// <c>Namespace.Type.g.cs</c> file per type (<c>Namespace.Type.Parts.g.cs</c> for [Parts]).
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class ModuleGenerator : IIncrementalGenerator
    {
        /// <summary>Tracking names of the pipeline steps, for caching tests.</summary>
        public const string ModuleStep = "ModuleModels", StateStep = "StateModels", PartsStep = "PartsModels", OrphanParamStep = "OrphanParams", UnmarkedModuleStep = "UnmarkedModules";

        /// <summary>Registers the attribute pipelines and the checks for [Param] outside [Module] and for unmarked Module subclasses.</summary>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var modules = context.SyntaxProvider.ForAttributeWithMetadataName(
                    "Modules.ModuleAttribute",
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (ctx, ct) => ModuleParser.Parse(ctx, ct))
                .WithTrackingName(ModuleStep);
            context.RegisterSourceOutput(modules, static (spc, result) =>
                Output(spc, result, m => (m.Type.HintName + ".g.cs", ModuleEmitter.Emit(m))));

            var states = context.SyntaxProvider.ForAttributeWithMetadataName(
                    "Modules.StateAttribute",
                    static (node, _) => node is TypeDeclarationSyntax,
                    static (ctx, ct) => StateParser.Parse(ctx, ct))
                .WithTrackingName(StateStep);
            context.RegisterSourceOutput(states, static (spc, result) =>
                Output(spc, result, m => (m.Type.HintName + ".g.cs", StateEmitter.Emit(m))));

            var parts = context.SyntaxProvider.ForAttributeWithMetadataName(
                    "Modules.PartsAttribute",
                    static (node, _) => node is TypeDeclarationSyntax,
                    static (ctx, ct) => PartsParser.Parse(ctx, ct))
                .WithTrackingName(PartsStep);
            context.RegisterSourceOutput(parts, static (spc, result) =>
                Output(spc, result, m => (m.Type.HintName + ".Parts.g.cs", PartsEmitter.Emit(m))));

            var orphanParams = context.SyntaxProvider.ForAttributeWithMetadataName(
                    ModuleParser.ParamAttribute,
                    static (node, _) => node is VariableDeclaratorSyntax,
                    static (ctx, _) => ModuleParser.CheckParamOwner(ctx))
                .Where(static d => d is not null)
                .WithTrackingName(OrphanParamStep);
            context.RegisterSourceOutput(orphanParams, static (spc, diagnostic) => spc.ReportDiagnostic(diagnostic!.ToDiagnostic()));

            var unmarkedModules = context.SyntaxProvider.CreateSyntaxProvider(
                    static (node, _) => node is ClassDeclarationSyntax { BaseList: not null },
                    static (ctx, ct) => ModuleParser.CheckUnmarkedModule(ctx, ct))
                .Where(static d => d is not null)
                .WithTrackingName(UnmarkedModuleStep);
            context.RegisterSourceOutput(unmarkedModules, static (spc, diagnostic) => spc.ReportDiagnostic(diagnostic!.ToDiagnostic()));
        }

        private static void Output<T>(SourceProductionContext context, ParseResult<T> result, System.Func<T, (string Hint, string Source)> emit)
            where T : class
        {
            foreach (var diagnostic in result.Diagnostics) context.ReportDiagnostic(diagnostic.ToDiagnostic());
            if (result.Model is null) return;
            var (hint, source) = emit(result.Model);
            context.AddSource(hint, source);
        }
    }
}
