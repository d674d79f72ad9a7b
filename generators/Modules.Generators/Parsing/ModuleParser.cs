using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Modules.Generators.Diagnostics;
using Modules.Generators.Model;

namespace Modules.Generators.Parsing
{
    /// <summary>Turns a [Module] class symbol into a <see cref="ModuleModel"/> plus diagnostics.</summary>
    internal static class ModuleParser
    {
        public const string ModuleBaseType = "Modules.Module";
        public const string ParamAttribute = "Modules.ParamAttribute";
        public const string ModuleAttribute = "Modules.ModuleAttribute";

        public static ParseResult<ModuleModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var diagnostics = new List<DiagnosticInfo>();
            var typeLocation = LocationInfo.From(type);

            if (!TypeDeclarationParser.IsPartialEverywhere(type))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial, typeLocation, type.Name, "Module"));
            if (!DerivesFrom(type, ModuleBaseType))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModuleNotDerivedFromModule, typeLocation, type.Name));
            if (diagnostics.Count > 0)
                return new ParseResult<ModuleModel>(null, diagnostics.ToEquatableArray());

            var members = new List<ModuleMember>();
            foreach (var member in type.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member is IFieldSymbol field && TypeDeclarationParser.HasAttribute(field, ParamAttribute))
                {
                    var parameter = ParseParameter(type, field, diagnostics);
                    if (parameter is not null) members.Add(parameter);
                    continue;
                }
                if (member.IsStatic) continue;
                // Auto-properties are enumerated through their property, at the property's position.
                (string Name, ITypeSymbol Type)? candidate = member switch
                {
                    IFieldSymbol { IsImplicitlyDeclared: false } f => (f.Name, f.Type),
                    IPropertySymbol { IsIndexer: false } p when TypeDeclarationParser.IsAutoProperty(type, p) => (p.Name, p.Type),
                    _ => null,
                };
                if (candidate is not { } c) continue;
                if (DerivesFrom(c.Type, ModuleBaseType))
                    members.Add(new ModuleMember(ModuleMemberKind.Child, Naming.Escape(c.Name), "", ""));
                else if (ElementType(c.Type) is { } element && DerivesFrom(element, ModuleBaseType))
                    members.Add(new ModuleMember(ModuleMemberKind.Children, Naming.Escape(c.Name), "", ""));
            }

            var model = new ModuleModel(TypeDeclarationParser.Parse(type), Naming.ToSnakeCase(type.Name), members.ToEquatableArray());
            return new ParseResult<ModuleModel>(model, diagnostics.ToEquatableArray());
        }

        /// <summary>A MOD011 diagnostic when a [Param] field's type is not marked [Module] (that type gets no accessors); otherwise null.</summary>
        public static DiagnosticInfo? CheckParamOwner(GeneratorAttributeSyntaxContext context)
        {
            if (context.TargetSymbol is not IFieldSymbol field) return null;
            var owner = field.ContainingType;
            if (TypeDeclarationParser.HasAttribute(owner, ModuleAttribute)) return null;
            return DiagnosticInfo.Create(DiagnosticDescriptors.ParamOutsideModule, LocationInfo.From(field), field.Name, owner.Name);
        }

        private static ModuleMember? ParseParameter(INamedTypeSymbol type, IFieldSymbol field, List<DiagnosticInfo> diagnostics)
        {
            var location = LocationInfo.From(field);
            if (!TypeDeclarationParser.IsTensor(field.Type))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ParamNotTensor, location, field.Name, field.Type.ToDisplayString()));
                return null;
            }
            if (field.IsStatic || field.IsReadOnly || field.IsConst)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ParamNotAssignable, location, field.Name));
                return null;
            }
            var accessor = "Get" + Naming.ToPascalCase(field.Name);
            if (type.GetMembers(accessor).Length > 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AccessorNameCollision, location, field.Name, accessor, type.Name));
                return null;
            }
            return new ModuleMember(ModuleMemberKind.Parameter, Naming.Escape(field.Name), Naming.ToSnakeCase(field.Name), accessor);
        }

        /// <summary>The element type of an array, List&lt;T&gt;, IList&lt;T&gt;, IReadOnlyList&lt;T&gt;, ICollection or IEnumerable of T.</summary>
        private static ITypeSymbol? ElementType(ITypeSymbol type)
        {
            if (type is IArrayTypeSymbol { Rank: 1 } array) return array.ElementType;
            if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named)
            {
                var name = named.OriginalDefinition.ToDisplayString();
                if (name is "System.Collections.Generic.List<T>" or "System.Collections.Generic.IList<T>"
                    or "System.Collections.Generic.IReadOnlyList<T>" or "System.Collections.Generic.IReadOnlyCollection<T>"
                    or "System.Collections.Generic.ICollection<T>" or "System.Collections.Generic.IEnumerable<T>")
                    return named.TypeArguments[0];
            }
            return null;
        }

        private static bool DerivesFrom(ITypeSymbol type, string baseName)
        {
            // A nullable-annotated field (Module? m) displays as "Modules.Module?"; its base types carry no annotation.
            for (var t = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated) as INamedTypeSymbol; t is not null; t = t.BaseType)
                if (t.ToDisplayString() == baseName) return true;
            return false;
        }
    }
}
