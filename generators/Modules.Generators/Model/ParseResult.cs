namespace Modules.Generators.Model
{
    /// <summary>A parsed model (null when the declaration is unusable) and the diagnostics found while parsing.</summary>
    internal sealed record ParseResult<T>(T? Model, EquatableArray<DiagnosticInfo> Diagnostics) where T : class;
}
