namespace Modules.Tensors;

/// <summary>
/// Storage for the results of ops computed inside a scope (<see cref="Enter"/>), returned wholesale when the scope ends
/// and reused by the next one: a training loop that runs each step in a scope of the same arena allocates no float
/// arrays for its forward pass once warm. Owned by whoever runs the steps (<c>SequenceTrainer</c> has one).
/// </summary>
/// <remarks>
/// <para>Inside a scope every op result (and <see cref="Tensor.Allocate"/>, which custom ops and recurrent cores' initial
/// states use) on the entering thread takes its storage from the arena; tensors created with the public constructor and
/// factories (<see cref="Tensor.Zeros"/>, ...), on other threads, or outside any scope are ordinary tensors. A tensor marked with <see cref="Tensor.RequireGrad"/> or set as a
/// <see cref="Tensor.Grad"/> inside a scope is moved to storage of its own, so parameters and gradients are never pooled.</para>
/// <para>A tensor created in a scope must not be used after the scope ends: reading or writing its elements, or
/// back-propagating from it, then throws <see cref="ObjectDisposedException"/>, so a kept tensor is never silently read
/// after its storage was reused. Copy what outlives the step with <see cref="Tensor.Clone"/> inside the scope.</para>
/// <para>One thread at a time; scopes of different arenas may nest, a scope of the same arena may not.</para>
/// </remarks>
public sealed class TensorArena
{
    [ThreadStatic] private static TensorArena? current;

    private readonly BufferPool pool = new();
    private bool active;

    /// <summary>The arena whose scope is open on this thread, if any.</summary>
    internal static TensorArena? Current => current;

    /// <summary>The open scope's lease, which every tensor of the scope holds; ended with the scope, which releases them.</summary>
    internal ArenaLease Lease { get; private set; } = new();

    /// <summary>How many buffers this arena has allocated in all (tests check that warm scopes allocate none).</summary>
    internal long Allocations => pool.Allocations;

    /// <summary>Opens a scope on this thread: <c>using (arena.Enter()) { ...one step... }</c>.</summary>
    /// <exception cref="InvalidOperationException">A scope of this arena is already open.</exception>
    public TensorArenaScope Enter()
    {
        if (active) throw new InvalidOperationException("TensorArena.Enter: a scope of this arena is already open; end it before entering again");
        active = true;
        if (Lease.Ended) Lease = new ArenaLease();   // one object per scope
        var previous = current;
        current = this;
        return new TensorArenaScope(this, previous);
    }

    /// <summary>Storage of at least <paramref name="length"/> floats for a tensor of this scope (contents undefined).</summary>
    internal float[] Rent(int length) => pool.Rent(length);

    /// <summary>Ends the scope: every tensor created in it is released and its storage reused by the next scope.</summary>
    internal void Exit(TensorArena? previous)
    {
        if (!active) return;   // disposed twice
        Lease.Ended = true;
        pool.Release(0);
        active = false;
        current = previous;
    }
}

/// <summary>An open scope of a <see cref="TensorArena"/>; dispose it to end the scope (on the thread that entered it).</summary>
public readonly struct TensorArenaScope : IDisposable
{
    private readonly TensorArena? arena;
    private readonly TensorArena? previous;

    internal TensorArenaScope(TensorArena arena, TensorArena? previous)
    {
        this.arena = arena;
        this.previous = previous;
    }

    /// <summary>Ends the scope: every tensor created in it is released.</summary>
    public void Dispose() => arena?.Exit(previous);
}

/// <summary>One scope of a <see cref="TensorArena"/>: the tensors it lent storage to hold it and are released once it has ended.</summary>
internal sealed class ArenaLease
{
    /// <summary>Whether the scope has ended (its storage may since hold other values).</summary>
    public bool Ended;
}
