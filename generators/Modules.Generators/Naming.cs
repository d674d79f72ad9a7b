using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace Modules.Generators
{
    /// <summary>Name conversions shared by the parsers (must agree with Modules.ModuleNaming at run time).</summary>
    internal static class Naming
    {
        /// <summary><c>MemoryAccess</c> → <c>memory_access</c>, <c>LSTMCell</c> → <c>lstm_cell</c>, <c>_wGates</c> → <c>w_gates</c>.</summary>
        public static string ToSnakeCase(string identifier) => global::Modules.SnakeCase.From(identifier);

        /// <summary><c>w</c> → <c>W</c>, <c>_wGates</c> → <c>WGates</c>, <c>w_gates</c> → <c>WGates</c>.</summary>
        public static string ToPascalCase(string identifier)
        {
            var sb = new StringBuilder(identifier.Length);
            bool upperNext = true;
            foreach (char c in identifier)
            {
                if (c == '_') { upperNext = true; continue; }
                sb.Append(upperNext ? char.ToUpperInvariant(c) : c);
                upperNext = false;
            }
            return sb.ToString();
        }

        /// <summary>The identifier as usable in C# source (<c>@class</c> for keywords).</summary>
        public static string Escape(string identifier) =>
            SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

        /// <summary>A C# string literal for <paramref name="value"/>.</summary>
        public static string Literal(string value) =>
            SymbolDisplay.FormatLiteral(value, quote: true);
    }
}
