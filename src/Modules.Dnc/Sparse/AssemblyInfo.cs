using System.Runtime.CompilerServices;

// The sparse cores' tests read the backward-pass counters of SparseGradientStatistics.
[assembly: InternalsVisibleTo("Modules.Dnc.Tests")]
