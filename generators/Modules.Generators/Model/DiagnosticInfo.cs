using System.Linq;
using Microsoft.CodeAnalysis;

namespace Modules.Generators.Model
{
    /// <summary>A diagnostic to report, kept as plain data (descriptor id, location, message arguments).</summary>
    internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
            new(descriptor, location, arguments.ToEquatableArray());

        public Diagnostic ToDiagnostic() =>
            Diagnostic.Create(Descriptor, Location?.ToLocation(), Arguments.ToArray<object>());
    }
}
