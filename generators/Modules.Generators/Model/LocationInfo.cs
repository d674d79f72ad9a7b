using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Modules.Generators.Model
{
    /// <summary>A source location without the syntax tree, so that models stay equatable and free of compilation objects.</summary>
    internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
    {
        public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

        public static LocationInfo? From(Location? location) =>
            location is null || location.SourceTree is null
                ? null
                : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

        public static LocationInfo? From(ISymbol symbol) =>
            symbol.Locations.Length > 0 ? From(symbol.Locations[0]) : null;
    }
}
