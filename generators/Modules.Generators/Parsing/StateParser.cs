using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Modules.Generators.Diagnostics;
using Modules.Generators.Model;

namespace Modules.Generators.Parsing
{
    /// <summary>Turns a [State] struct symbol into a <see cref="StateModel"/> plus diagnostics.</summary>
    internal static class StateParser
    {
        public const string StateAttribute = "Modules.StateAttribute";

        public static ParseResult<StateModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var diagnostics = new List<DiagnosticInfo>();
            var typeLocation = LocationInfo.From(type);
            if (type.TypeKind != TypeKind.Struct)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotAStruct, typeLocation, type.Name, "State"));
            else if (!TypeDeclarationParser.IsPartialEverywhere(type))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial, typeLocation, type.Name, "State"));
            if (diagnostics.Count > 0)
                return new ParseResult<StateModel>(null, diagnostics.ToEquatableArray());

            var (isPositional, dataMembers) = TypeDeclarationParser.DataMembers(type);
            var members = new List<StateMember>();
            bool unresolved = false;
            foreach (var (name, memberType, _, locationSymbol) in dataMembers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (TypeDeclarationParser.IsTensor(memberType))
                    members.Add(new StateMember(Naming.Escape(name), Naming.ToSnakeCase(name), null));
                else if (IsState(memberType))
                    members.Add(new StateMember(Naming.Escape(name), Naming.ToSnakeCase(name), TypeDeclarationParser.FullyQualified(memberType)));
                else if (TypeDeclarationParser.IsUnresolved(memberType))
                    // The compiler reports the unresolved type itself (CS0246); MOD004 would send the user after the
                    // wrong problem, and generating code around the unknown type would only repeat that error.
                    unresolved = true;
                else if (memberType is ITypeParameterSymbol typeParameter)
                {
                    // T's static abstract members (T.Paths, T.Unflatten, T.Zip) stand in for a concrete state's.
                    if (IsStateTypeParameter(typeParameter))
                        members.Add(new StateMember(Naming.Escape(name), Naming.ToSnakeCase(name), Naming.Escape(typeParameter.Name)));
                    else
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StateTypeParameterUnconstrained,
                            LocationInfo.From(locationSymbol), name, typeParameter.Name));
                }
                else
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StateMemberUnsupported,
                        LocationInfo.From(locationSymbol), name, memberType.ToDisplayString()));
            }
            if (diagnostics.Count > 0 || unresolved)
                return new ParseResult<StateModel>(null, diagnostics.ToEquatableArray());
            return new ParseResult<StateModel>(
                new StateModel(TypeDeclarationParser.Parse(type), isPositional, members.ToEquatableArray()),
                diagnostics.ToEquatableArray());
        }

        /// <summary>A type parameter constrained <c>where T : struct, Modules.IState&lt;T&gt;</c>.</summary>
        private static bool IsStateTypeParameter(ITypeParameterSymbol parameter) =>
            parameter.HasValueTypeConstraint &&
            parameter.ConstraintTypes.Any(c => c is INamedTypeSymbol { IsGenericType: true } i &&
                i.OriginalDefinition.ToDisplayString() == "Modules.IState<TSelf>" &&
                SymbolEqualityComparer.Default.Equals(i.TypeArguments[0], parameter));

        /// <summary>A struct marked [State] (in this compilation) or implementing Modules.IState&lt;T&gt; (from a reference).</summary>
        private static bool IsState(ITypeSymbol type) =>
            type.TypeKind == TypeKind.Struct &&
            (TypeDeclarationParser.HasAttribute(type, StateAttribute) ||
             type.AllInterfaces.Any(i => i.OriginalDefinition.ToDisplayString() == "Modules.IState<TSelf>"));
    }
}
