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
                var shape = Shape(c.Type);
                if (shape is null)
                {
                    if (HoldsModules(c.Type))
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModulesNotEnumerable,
                            LocationInfo.From(member), c.Name, c.Type.ToDisplayString()));
                    continue;
                }
                if (shape.Length == 0)
                    members.Add(new ModuleMember(ModuleMemberKind.Child, Naming.Escape(c.Name), "", ""));
                else if (shape == "s")
                    members.Add(new ModuleMember(ModuleMemberKind.Children, Naming.Escape(c.Name), "", ""));
                else
                    members.Add(new ModuleMember(ModuleMemberKind.Elements, Naming.Escape(c.Name), Naming.ToSnakeCase(c.Name), "", shape));
            }

            var initialState = ParseInitialState(type, diagnostics);
            var model = new ModuleModel(TypeDeclarationParser.Parse(type), Naming.ToSnakeCase(type.Name), members.ToEquatableArray(), initialState);
            return new ParseResult<ModuleModel>(model, diagnostics.ToEquatableArray());
        }

        /// <summary>
        /// Plans an <c>InitialState(int)</c> built from the children's when the module asks for one with a partial
        /// declaration, or implements <c>IRnnCore&lt;TState&gt;</c> without writing it; every member of the state must
        /// then have a child of the same name (<c>lower</c>, <c>_lower</c> or <c>Lower</c> for <c>Lower</c>) whose
        /// <c>InitialState(int)</c> returns the member's type. If one has none, a partial declaration gets MOD015 and an
        /// implemented interface gets nothing (the compiler's CS0535 names the missing method).
        /// </summary>
        private static InitialStatePlan? ParseInitialState(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
        {
            var declared = type.GetMembers("InitialState").OfType<IMethodSymbol>().Where(IsInitialState).ToList();
            var asked = declared.FirstOrDefault(m => m.IsPartialDefinition && m.PartialImplementationPart is null);
            ITypeSymbol state;
            if (asked is not null) state = asked.ReturnType;
            else
            {
                if (declared.Count > 0) return null;
                var core = type.AllInterfaces.FirstOrDefault(i => i.OriginalDefinition.ToDisplayString() == RnnCoreInterface);
                if (core is null) return null;
                var required = core.GetMembers("InitialState").OfType<IMethodSymbol>().FirstOrDefault();
                if (required is null || type.FindImplementationForInterfaceMember(required) is not null) return null;
                state = core.TypeArguments[0];
            }
            // An unresolved state type already has the compiler's error.
            if (TypeDeclarationParser.IsUnresolved(state)) return null;

            var (isPositional, members) = state is INamedTypeSymbol named
                ? TypeDeclarationParser.DataMembers(named)
                : (false, new List<(string Name, ITypeSymbol Type, ISymbol AttributeHolder, ISymbol LocationSymbol)>());
            string? problem = members.Count == 0 ? $"'{state.ToDisplayString()}' has no members to take from children" : null;
            var parts = new List<InitialStatePart>();
            foreach (var (name, memberType, _, _) in members)
            {
                if (problem is not null) break;
                var child = type.GetMembers().FirstOrDefault(m => !m.IsStatic && Naming.ToPascalCase(m.Name) == name && m switch
                {
                    IFieldSymbol f => !f.IsImplicitlyDeclared,
                    IPropertySymbol p => !p.IsIndexer,
                    _ => false,
                });
                var childType = child switch { IFieldSymbol f => f.Type, IPropertySymbol p => p.Type, _ => null };
                if (childType is null || !GivesInitialState(childType, memberType))
                    problem = $"[State] member '{name}' of '{state.Name}' has no child field or property '{char.ToLowerInvariant(name[0])}{name.Substring(1)}' whose InitialState(int batchSize) returns '{memberType.ToDisplayString()}'";
                else
                    parts.Add(new InitialStatePart(Naming.Escape(name), Naming.Escape(child!.Name), childType.NullableAnnotation == NullableAnnotation.Annotated));
            }
            if (problem is not null)
            {
                if (asked is not null)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InitialStateNotComposable, LocationInfo.From(asked), type.Name, problem));
                return null;
            }
            var modifiers = asked is null ? "public" : Modifiers(asked) + " partial";
            return new InitialStatePlan(TypeDeclarationParser.FullyQualified(state), isPositional, modifiers,
                Naming.Escape(asked?.Parameters[0].Name ?? "batchSize"), parts.ToEquatableArray());
        }

        private const string RnnCoreInterface = "Modules.IRnnCore<TState>";

        private static bool IsInitialState(IMethodSymbol method) =>
            !method.IsStatic && method.Parameters.Length == 1 && method.Parameters[0].Type.SpecialType == SpecialType.System_Int32;

        /// <summary>Whether <paramref name="child"/> (its class, base classes or interfaces) has an <c>InitialState(int)</c> returning <paramref name="state"/>.</summary>
        private static bool GivesInitialState(ITypeSymbol child, ITypeSymbol state)
        {
            var types = new List<ITypeSymbol>();
            for (var t = child; t is not null; t = t.BaseType) types.Add(t);
            types.AddRange(child.AllInterfaces);
            return types.Any(t => t.GetMembers("InitialState").OfType<IMethodSymbol>()
                .Any(m => IsInitialState(m) && SymbolEqualityComparer.Default.Equals(m.ReturnType, state)));
        }

        /// <summary>The accessibility and inheritance modifiers a partial implementation must repeat.</summary>
        private static string Modifiers(IMethodSymbol method)
        {
            var accessibility = method.DeclaredAccessibility switch
            {
                Accessibility.Public => "public",
                Accessibility.Internal => "internal",
                Accessibility.Protected => "protected",
                Accessibility.ProtectedOrInternal => "protected internal",
                Accessibility.ProtectedAndInternal => "private protected",
                _ => "private",
            };
            if (method.IsOverride) return accessibility + (method.IsSealed ? " sealed override" : " override");
            return method.IsVirtual ? accessibility + " virtual" : accessibility;
        }

        /// <summary>
        /// A MOD011 diagnostic when a [Param] field's type is not marked [Module] (that type gets no accessors); otherwise
        /// null. A Module subclass gets MOD014 for the type instead.
        /// </summary>
        public static DiagnosticInfo? CheckParamOwner(GeneratorAttributeSyntaxContext context)
        {
            if (context.TargetSymbol is not IFieldSymbol field) return null;
            var owner = field.ContainingType;
            if (TypeDeclarationParser.HasAttribute(owner, ModuleAttribute) || DerivesFrom(owner, ModuleBaseType)) return null;
            return DiagnosticInfo.Create(DiagnosticDescriptors.ParamOutsideModule, LocationInfo.From(field), field.Name, owner.Name);
        }

        /// <summary>
        /// A MOD014 diagnostic for a class deriving from Modules.Module without [Module], at the first of its declarations
        /// that has a base list; otherwise null. Modules.Module itself is exempt.
        /// </summary>
        public static DiagnosticInfo? CheckUnmarkedModule(GeneratorSyntaxContext context, CancellationToken cancellationToken)
        {
            var declaration = (Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax)context.Node;
            if (context.SemanticModel.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol type) return null;
            if (type.BaseType is null || !DerivesFrom(type.BaseType, ModuleBaseType)) return null;
            if (TypeDeclarationParser.HasAttribute(type, ModuleAttribute)) return null;
            var first = type.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(cancellationToken))
                .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>()
                .FirstOrDefault(d => d.BaseList is not null);
            if (first != declaration) return null;
            return DiagnosticInfo.Create(DiagnosticDescriptors.ModuleNotMarked, LocationInfo.From(declaration.Identifier.GetLocation()), type.Name);
        }

        private static ModuleMember? ParseParameter(INamedTypeSymbol type, IFieldSymbol field, List<DiagnosticInfo> diagnostics)
        {
            var location = LocationInfo.From(field);
            // An unresolved type already has the compiler's error; a second one here would point elsewhere.
            if (TypeDeclarationParser.IsUnresolved(field.Type)) return null;
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

        /// <summary>
        /// How a member holds modules: "" for a module, otherwise one letter per level from the outside in, <c>s</c> for a
        /// sequence (array, List&lt;T&gt; and its interfaces) and <c>m</c> for a dictionary (IDictionary&lt;K, V&gt; or
        /// IReadOnlyDictionary&lt;K, V&gt;), ending in a module; null when the member holds no module the generator can reach.
        /// </summary>
        private static string? Shape(ITypeSymbol type)
        {
            if (TypeDeclarationParser.IsUnresolved(type)) return null;
            if (DerivesFrom(type, ModuleBaseType)) return "";
            if (ElementType(type) is { } element) return Shape(element) is { } inner ? "s" + inner : null;
            if (DictionaryValueType(type) is { } value) return Shape(value) is { } inner ? "m" + inner : null;
            return null;
        }

        /// <summary>
        /// Whether a type the generator cannot enumerate mentions a module anyway: a tuple element, a multi-dimensional
        /// array's element, or a type argument of a collection (a dictionary keyed by modules, a set, a queue, …).
        /// </summary>
        private static bool HoldsModules(ITypeSymbol type)
        {
            if (TypeDeclarationParser.IsUnresolved(type)) return false;
            if (DerivesFrom(type, ModuleBaseType)) return true;
            switch (type)
            {
                case IArrayTypeSymbol array:
                    return HoldsModules(array.ElementType);
                case INamedTypeSymbol { IsTupleType: true } tuple:
                    return tuple.TupleElements.Any(e => HoldsModules(e.Type));
                case INamedTypeSymbol { IsGenericType: true } named when IsEnumerable(named):
                    return named.TypeArguments.Any(HoldsModules);
                default:
                    return false;
            }
        }

        private static bool IsEnumerable(INamedTypeSymbol type) =>
            type.SpecialType == SpecialType.System_Collections_IEnumerable ||
            type.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_Collections_IEnumerable);

        /// <summary>The element type of a one-dimensional array, List&lt;T&gt;, IList&lt;T&gt;, IReadOnlyList&lt;T&gt;, ICollection or IEnumerable of T.</summary>
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

        /// <summary>The value type of a type that is or implements IDictionary&lt;K, V&gt; or IReadOnlyDictionary&lt;K, V&gt;.</summary>
        private static ITypeSymbol? DictionaryValueType(ITypeSymbol type)
        {
            var candidates = type is INamedTypeSymbol { TypeKind: TypeKind.Interface } self
                ? type.AllInterfaces.Insert(0, self)
                : type.AllInterfaces;
            foreach (var i in candidates)
            {
                var name = i.OriginalDefinition.ToDisplayString();
                if (name is "System.Collections.Generic.IDictionary<TKey, TValue>" or "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>")
                    return i.TypeArguments[1];
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
