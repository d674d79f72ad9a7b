using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Modules.Generators.Model;

namespace Modules.Generators.Parsing
{
    /// <summary>Builds the <see cref="TypeDeclaration"/> of a partial type and checks that it (and its containers) are partial.</summary>
    internal static class TypeDeclarationParser
    {
        public const string TensorType = "Modules.Tensors.Tensor";

        public static TypeDeclaration Parse(INamedTypeSymbol type)
        {
            var containing = new List<string>();
            for (var t = type.ContainingType; t is not null; t = t.ContainingType) containing.Insert(0, Header(t));
            var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
            var hintParts = new List<string>();
            if (ns.Length > 0) hintParts.Add(ns);
            for (var t = type; t is not null; t = t.ContainingType)
                hintParts.Insert(ns.Length > 0 ? 1 : 0, t.Arity > 0 ? t.Name + "_" + t.Arity : t.Name);
            return new TypeDeclaration(ns, containing.ToEquatableArray(), Header(type), NameWithTypeParameters(type), type.Name, string.Join(".", hintParts));
        }

        /// <summary>Whether every declaration of the type and of its containing types has the partial modifier.</summary>
        public static bool IsPartialEverywhere(INamedTypeSymbol type)
        {
            for (var t = type; t is not null; t = t.ContainingType)
                foreach (var reference in t.DeclaringSyntaxReferences)
                    if (reference.GetSyntax() is TypeDeclarationSyntax decl && !decl.Modifiers.Any(SyntaxKind.PartialKeyword))
                        return false;
            return true;
        }

        /// <summary>Whether <paramref name="type"/> is Modules.Tensors.Tensor (nullable or not).</summary>
        public static bool IsTensor(ITypeSymbol type) => FullyQualified(type) == "global::" + TensorType;

        /// <summary>
        /// Whether the compiler could not resolve <paramref name="type"/> (it reports that itself): an error type, also
        /// inside <c>T?</c>, which for an unknown <c>T</c> binds as <c>Nullable&lt;T&gt;</c>.
        /// </summary>
        public static bool IsUnresolved(ITypeSymbol type) =>
            type.TypeKind == TypeKind.Error ||
            type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable && IsUnresolved(nullable.TypeArguments[0]);

        public static bool HasAttribute(ISymbol symbol, string metadataName) =>
            symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == metadataName);

        public static string FullyQualified(ITypeSymbol type) =>
            type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

        /// <summary>
        /// The data members of a struct in declaration order: for a positional record the primary constructor's
        /// parameters (paired with their properties), otherwise instance fields and auto-properties.
        /// </summary>
        public static (bool IsPositional, List<(string Name, ITypeSymbol Type, ISymbol AttributeHolder, ISymbol LocationSymbol)> Members) DataMembers(INamedTypeSymbol type)
        {
            var members = new List<(string, ITypeSymbol, ISymbol, ISymbol)>();
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is RecordDeclarationSyntax { ParameterList: { } list })
                {
                    var ctor = type.InstanceConstructors.FirstOrDefault(c =>
                        c.Parameters.Length == list.Parameters.Count &&
                        c.DeclaringSyntaxReferences.Any(r => r.GetSyntax() == reference.GetSyntax()));
                    if (ctor is not null)
                    {
                        foreach (var p in ctor.Parameters) members.Add((p.Name, p.Type, p, p));
                        return (true, members);
                    }
                }
            }
            foreach (var member in type.GetMembers())
            {
                if (member.IsStatic) continue;
                if (member is IFieldSymbol { IsImplicitlyDeclared: false, IsConst: false } field)
                    members.Add((field.Name, field.Type, field, field));
                else if (member is IPropertySymbol { IsIndexer: false } property && IsAutoProperty(type, property))
                    members.Add((property.Name, property.Type, property, property));
            }
            return (false, members);
        }

        public static bool IsAutoProperty(INamedTypeSymbol type, IPropertySymbol property) =>
            type.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));

        private static string Header(INamedTypeSymbol type)
        {
            string keyword = type.TypeKind switch
            {
                TypeKind.Struct when type.IsRecord => "record struct",
                TypeKind.Struct => "struct",
                TypeKind.Interface => "interface",
                _ when type.IsRecord => "record",
                _ => "class",
            };
            var readOnly = type.TypeKind == TypeKind.Struct && type.IsReadOnly ? "readonly " : "";
            return $"{readOnly}partial {keyword} {NameWithTypeParameters(type)}";
        }

        private static string NameWithTypeParameters(INamedTypeSymbol type) =>
            type.TypeParameters.Length == 0
                ? Naming.Escape(type.Name)
                : Naming.Escape(type.Name) + "<" + string.Join(", ", type.TypeParameters.Select(p => p.Name)) + ">";
    }
}
