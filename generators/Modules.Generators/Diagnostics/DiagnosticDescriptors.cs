using Microsoft.CodeAnalysis;

namespace Modules.Generators.Diagnostics
{
    /// <summary>Every diagnostic the Modules generator reports (ids MOD001…), listed in AnalyzerReleases.Unshipped.md.</summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "Modules";

        public static readonly DiagnosticDescriptor TypeNotPartial = new(
            "MOD001", "Type must be partial",
            "'{0}' is marked [{1}] and must be declared partial (as must every type that contains it)",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor ModuleNotDerivedFromModule = new(
            "MOD002", "[Module] type must derive from Modules.Module",
            "'{0}' is marked [Module] but does not derive from Modules.Module",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor ParamNotTensor = new(
            "MOD003", "[Param] field must be a Tensor",
            "[Param] field '{0}' has type '{1}'; parameters must be declared 'Tensor?'",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor StateMemberUnsupported = new(
            "MOD004", "Unsupported [State] member type",
            "[State] member '{0}' has type '{1}'; state members must be Tensor or another [State] struct",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor NotAStruct = new(
            "MOD005", "[State]/[Parts] type must be a struct",
            "'{0}' is marked [{1}] and must be a struct (a readonly partial record struct)",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor PartNotTensor = new(
            "MOD006", "[Part] member must be a Tensor",
            "[Part] member '{0}' has type '{1}'; parts must be Tensor",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor PartMissing = new(
            "MOD007", "[Parts] member has no [Part]",
            "Member '{0}' of [Parts] struct '{1}' needs a [Part(...)] attribute giving its dimensions",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor PartDimInvalid = new(
            "MOD008", "Invalid [Part] dimension",
            "Dimension '{0}' of part '{1}' must be a C# identifier (not a keyword, not 'flat' or 'parts') or a positive integer",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor AccessorNameCollision = new(
            "MOD009", "Parameter accessor name is taken",
            "[Param] field '{0}' needs a generated accessor '{1}', but '{2}' already declares a member with that name",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor ParamNotAssignable = new(
            "MOD010", "[Param] field must be a non-readonly instance field",
            "[Param] field '{0}' must be a non-static, non-readonly field so that its accessor can create it on first use",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor ParamOutsideModule = new(
            "MOD011", "[Param] field outside a [Module] class",
            "[Param] field '{0}' is declared in '{1}', which is not marked [Module]; no accessor is generated for it",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor StateTypeParameterUnconstrained = new(
            "MOD012", "[State] member of an unconstrained type parameter",
            "[State] member '{0}' has type parameter '{1}'; constrain it 'where {1} : struct, IState<{1}>' so its tensors can be enumerated",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor ModulesNotEnumerable = new(
            "MOD013", "Modules held where the generator cannot enumerate them",
            "Member '{0}' of type '{1}' holds modules that would be missing from NamedParameters(), Path and checkpoints; hold them in a field, an array, a list, a dictionary or a nested array or list of modules",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor ModuleNotMarked = new(
            "MOD014", "Module subclass without [Module]",
            "'{0}' derives from Modules.Module but is not marked [Module]; without it its name, parameters and submodules are not generated",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor InitialStateNotComposable = new(
            "MOD015", "InitialState cannot be composed from the children",
            "'{0}' declares partial InitialState for the generator to write, but {1}; write InitialState yourself or add the child",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    }
}
