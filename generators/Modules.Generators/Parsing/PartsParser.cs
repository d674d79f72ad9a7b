using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Modules.Generators.Diagnostics;
using Modules.Generators.Model;

namespace Modules.Generators.Parsing
{
    /// <summary>Turns a [Parts] struct symbol into a <see cref="PartsModel"/> plus diagnostics.</summary>
    internal static class PartsParser
    {
        public const string PartAttribute = "Modules.PartAttribute";

        public static ParseResult<PartsModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var diagnostics = new List<DiagnosticInfo>();
            var typeLocation = LocationInfo.From(type);
            if (type.TypeKind != TypeKind.Struct)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotAStruct, typeLocation, type.Name, "Parts"));
            else if (!TypeDeclarationParser.IsPartialEverywhere(type))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial, typeLocation, type.Name, "Parts"));
            if (diagnostics.Count > 0)
                return new ParseResult<PartsModel>(null, diagnostics.ToEquatableArray());

            var (isPositional, dataMembers) = TypeDeclarationParser.DataMembers(type);
            var parts = new List<PartMember>();
            var dimParameters = new List<string>();
            foreach (var (name, memberType, holder, locationSymbol) in dataMembers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var location = LocationInfo.From(locationSymbol);
                var attribute = holder.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == PartAttribute);
                if (attribute is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PartMissing, location, name, type.Name));
                    continue;
                }
                if (!TypeDeclarationParser.IsTensor(memberType))
                {
                    // An unresolved type already has the compiler's error; MOD006 would send the user elsewhere.
                    if (!TypeDeclarationParser.IsUnresolved(memberType))
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PartNotTensor, location, name, memberType.ToDisplayString()));
                    continue;
                }
                var dims = new List<string>();
                var partName = Naming.ToSnakeCase(name);
                foreach (var arg in attribute.ConstructorArguments)
                {
                    var values = arg.Kind == TypedConstantKind.Array ? arg.Values : new[] { arg }.ToImmutableArrayCompat();
                    foreach (var value in values)
                    {
                        var dim = value.Value as string ?? "";
                        if (IsPositiveInteger(dim)) { dims.Add(dim); continue; }
                        if (!IsParameterName(dim))
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PartDimInvalid, location, dim, partName));
                            continue;
                        }
                        dims.Add(dim);
                        if (!dimParameters.Contains(dim)) dimParameters.Add(dim);
                    }
                }
                parts.Add(new PartMember(Naming.Escape(name), partName, dims.ToEquatableArray()));
            }
            if (diagnostics.Count > 0)
                return new ParseResult<PartsModel>(null, diagnostics.ToEquatableArray());
            return new ParseResult<PartsModel>(
                new PartsModel(TypeDeclarationParser.Parse(type), isPositional, parts.ToEquatableArray(), dimParameters.ToEquatableArray()),
                diagnostics.ToEquatableArray());
        }

        private static bool IsPositiveInteger(string s) =>
            int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0;

        private static bool IsParameterName(string s) =>
            SyntaxFacts.IsValidIdentifier(s) && SyntaxFacts.GetKeywordKind(s) == SyntaxKind.None && s is not ("flat" or "parts") && !s.StartsWith("__");

        private static System.Collections.Immutable.ImmutableArray<TypedConstant> ToImmutableArrayCompat(this TypedConstant[] items) =>
            System.Collections.Immutable.ImmutableArray.Create(items);
    }
}
