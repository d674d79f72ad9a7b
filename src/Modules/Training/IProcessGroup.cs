namespace Modules.Training;

/// <summary>
/// The collectives synchronous data-parallel training needs from a group of processes (ranks): every rank calls each
/// method in the same order. <c>Modules.Distributed</c> implements it over MPI; a single process is a group of one.
/// </summary>
public interface IProcessGroup
{
    /// <summary>This process's index in the group, in [0, <see cref="Size"/>).</summary>
    int Rank { get; }

    /// <summary>The number of processes in the group.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="buffer"/> on every rank with its contents on <paramref name="root"/>.</summary>
    void Broadcast(Span<float> buffer, int root = 0);

    /// <summary>Replaces <paramref name="buffer"/> on every rank with the element-wise sum over all ranks, in a fixed
    /// order, so the result does not depend on timing and is the same on every rank.</summary>
    void AllReduceSum(Span<float> buffer);

    /// <summary>Gathers one block of bytes of the same length from every rank into <paramref name="all"/>
    /// (rank r's block at offset r · <paramref name="mine"/>.Length) on every rank.</summary>
    void AllGather(ReadOnlySpan<byte> mine, Span<byte> all);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();
}
