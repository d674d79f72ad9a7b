namespace Modules.Tensors.Tests;

/// <summary>
/// A <see cref="TensorArena"/> lends op results storage for one scope and reuses it in the next. Properties checked: a
/// tensor created in a scope throws on any use of its elements once the scope has ended (never a silent read of reused
/// storage), while a clone made inside keeps its values; parameters and gradients are never pooled; results inside a
/// scope are bit-identical to results without one; warm scopes allocate no new buffers (so the checks above really ran
/// on reused storage); other threads and nested arenas are unaffected.
/// </summary>
public class TensorArenaTests
{
    /// <summary>A small training step of a two-layer network: forward (products, broadcasting, tanh, reshape, a custom op
    /// on <see cref="Tensor.Allocate"/> storage), loss, backward, SGD; returns the loss and the hidden layer.</summary>
    private static (Tensor Loss, Tensor Hidden) Step(Tensor x, Tensor w1, Tensor b1, Tensor w2, Tensor target)
    {
        var hidden = Tensor.Tanh(Tensor.MatMul(x, w1) + b1);                     // [4, 6]
        var doubled = Tensor.Allocate(4, 6);
        System.Numerics.Tensors.TensorPrimitives.Multiply(hidden.Values, 2f, doubled.Data);
        doubled = Tensor.Custom("Double", doubled, [hidden], grad =>
        {
            var d = Tensor.BackwardBuffer(4, 6);
            System.Numerics.Tensors.TensorPrimitives.Multiply(grad.Values, 2f, d.Data);
            return [d];
        });
        var output = Tensor.MatMul(doubled.Reshape(4, 6), w2);                    // [4, 3]
        var loss = Tensor.Square(output - target).Sum();
        w1.ClearGrad(); b1.ClearGrad(); w2.ClearGrad();
        loss.Backward();
        using (Tensor.NoGrad())
            foreach (var p in (ReadOnlySpan<Tensor>)[w1, b1, w2])
                p.CopyFrom(p - p.Grad! * 0.05f);
        return (loss, hidden);
    }

    private sealed class Net
    {
        public readonly Tensor X, W1, B1, W2, Target;

        public Net(ulong seed)
        {
            var g = new Generator(seed);
            X = Tensor.Uniform(g, [4, 5], -1f, 1f);
            W1 = Tensor.Uniform(g, [5, 6], -1f, 1f).RequireGrad();
            B1 = Tensor.Uniform(g, [6], -1f, 1f).RequireGrad();
            W2 = Tensor.Uniform(g, [6, 3], -1f, 1f).RequireGrad();
            Target = Tensor.Uniform(g, [4, 3], -1f, 1f);
        }

        public (Tensor Loss, Tensor Hidden) Step() => TensorArenaTests.Step(X, W1, B1, W2, Target);

        public float[][] Parameters() => [W1.ToArray(), B1.ToArray(), W2.ToArray(), W1.Grad!.ToArray(), B1.Grad!.ToArray(), W2.Grad!.ToArray()];
    }

    [Fact]
    public void A_tensor_kept_after_its_scope_throws_on_every_use_of_its_elements_in_one_line()
    {
        var arena = new TensorArena();
        var net = new Net(1);
        Tensor hidden, loss, view, detached;
        using (arena.Enter())
        {
            (loss, hidden) = net.Step();
            view = hidden.Reshape(24);
            detached = hidden.Detach();
            Assert.False(hidden.IsReleased);
            _ = hidden.Values[0];                                                  // readable inside
        }
        using (arena.Enter()) net.Step();                                          // reuses the storage with other values

        foreach (var kept in new[] { hidden, view, detached })
        {
            Assert.True(kept.IsReleased);
            var e = Assert.Throws<ObjectDisposedException>(() => kept.Values[0]);
            Assert.Contains("TensorArena scope that has ended", e.Message);
            Assert.Contains("Clone()", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Throws<ObjectDisposedException>(() => kept.Data[0] = 1f);
            Assert.Throws<ObjectDisposedException>(() => kept.ToArray());
            Assert.Throws<ObjectDisposedException>(() => kept.At(0));
            Assert.Throws<ObjectDisposedException>(() => kept.Clone());
            Assert.Throws<ObjectDisposedException>(() => Tensor.Add(kept, kept));
        }
        Assert.Throws<ObjectDisposedException>(() => loss.Item());
        Assert.Throws<ObjectDisposedException>(() => loss.Backward());
    }

    [Fact]
    public void A_clone_made_inside_the_scope_keeps_its_values_while_later_scopes_reuse_the_storage()
    {
        var reference = new Net(2);
        var (referenceLoss, referenceHidden) = reference.Step();                    // no arena

        var arena = new TensorArena();
        var net = new Net(2);
        Tensor hidden, loss;
        using (arena.Enter())
        {
            var step = net.Step();
            hidden = step.Hidden.Clone();
            loss = step.Loss.Clone();
        }
        long buffers = 0;
        for (int i = 0; i < 4; i++)
        {
            using (arena.Enter())
            {
                var other = net.Step();
                Assert.NotEqual(hidden.ToArray(), other.Hidden.ToArray());          // other values went through the arena
            }
            if (i == 0) buffers = arena.Allocations;
        }
        Assert.True(buffers > 0);
        Assert.Equal(buffers, arena.Allocations);                                  // warm scopes reused the same buffers
        Assert.False(hidden.IsReleased);
        Assert.Equal(referenceHidden.ToArray(), hidden.ToArray());
        Assert.Equal(referenceLoss.Item(), loss.Item());
    }

    [Fact]
    public void Steps_in_scopes_are_bit_identical_to_steps_without_one()
    {
        var plain = new Net(3);
        var scoped = new Net(3);
        var arena = new TensorArena();
        for (int step = 0; step < 5; step++)
        {
            float expected = plain.Step().Loss.Item();
            float actual;
            using (arena.Enter()) actual = scoped.Step().Loss.Item();
            Assert.Equal(expected, actual);
            var a = plain.Parameters();
            var b = scoped.Parameters();
            for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i]);
        }
    }

    [Fact]
    public void Parameters_and_gradients_made_inside_a_scope_are_never_pooled()
    {
        var arena = new TensorArena();
        Tensor parameter, gradient, reshaped;
        float[] gradientValues;
        using (arena.Enter())
        {
            // A parameter initialised from op results (as a module's initializer may) and a gradient set from one.
            parameter = (Tensor.Arange(6).Reshape(2, 3) * 0.5f).Detach().RequireGrad();
            reshaped = (Tensor.Arange(6) + 1f).Reshape(3, 2);
            var loss = Tensor.MatMul(parameter, reshaped).Sum();
            loss.Backward();
            gradientValues = parameter.Grad!.ToArray();
            gradient = Tensor.Arange(6) * 2f;
            var holder = Tensor.Zeros(6).RequireGrad();
            holder.Grad = gradient;
        }
        using (arena.Enter()) for (int i = 0; i < 3; i++) _ = (Tensor.Arange(6) * 7f).Reshape(2, 3) + 1f;   // reuse the storage

        Assert.False(parameter.IsReleased);
        Assert.Equal([0f, 0.5f, 1f, 1.5f, 2f, 2.5f], parameter.ToArray());
        Assert.Equal([3f, 7f, 11f, 3f, 7f, 11f], gradientValues);                   // d(sum P·R)/dP = row sums of R, per row of P
        Assert.Equal([3f, 7f, 11f, 3f, 7f, 11f], parameter.Grad!.ToArray());
        Assert.False(gradient.IsReleased);
        Assert.Equal([0f, 2f, 4f, 6f, 8f, 10f], gradient.ToArray());
        Assert.True(reshaped.IsReleased);                                           // while an ordinary result is released
    }

    [Fact]
    public void Tensors_made_outside_a_scope_or_on_other_threads_are_ordinary()
    {
        var arena = new TensorArena();
        var outside = Tensor.Arange(4) * 3f;
        Tensor fromThread = null!, factory;
        using (arena.Enter())
        {
            var thread = new Thread(() => fromThread = Tensor.Arange(4) * 5f);      // no scope open on that thread
            thread.Start();
            thread.Join();
            factory = Tensor.Zeros(4);
        }
        using (arena.Enter()) _ = Tensor.Arange(4) * 9f;
        Assert.Equal([0f, 3f, 6f, 9f], outside.ToArray());
        Assert.Equal([0f, 5f, 10f, 15f], fromThread.ToArray());
        Assert.Equal([0f, 0f, 0f, 0f], factory.ToArray());
    }

    [Fact]
    public void Arenas_on_several_threads_at_once_give_the_single_threaded_results()
    {
        var expected = new float[4][][];
        for (int t = 0; t < 4; t++)
        {
            var net = new Net(10 + (ulong)t);
            for (int s = 0; s < 3; s++) net.Step();
            expected[t] = net.Parameters();
        }
        var actual = new float[4][][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            var arena = new TensorArena();
            var net = new Net(10 + (ulong)t);
            for (int s = 0; s < 3; s++)
                using (arena.Enter()) net.Step();
            actual[t] = net.Parameters();
        });
        for (int t = 0; t < 4; t++)
            for (int i = 0; i < expected[t].Length; i++) Assert.Equal(expected[t][i], actual[t][i]);
    }

    [Fact]
    public void Allocate_gives_zeros_also_on_reused_storage()
    {
        var arena = new TensorArena();
        using (arena.Enter()) Tensor.Allocate(3, 5).Data.Fill(7f);
        long buffers = arena.Allocations;
        using (arena.Enter())
        {
            var again = Tensor.Allocate(3, 5);
            Assert.Equal(buffers, arena.Allocations);                                 // the same storage, reused
            Assert.Equal(new float[15], again.ToArray());
            Assert.Equal([3, 5], again.ShapeArray());
        }
        Assert.Equal(new float[4], Tensor.Allocate(4).ToArray());                     // outside a scope: Zeros
    }

    [Fact]
    public void Nested_arenas_release_only_their_own_tensors_and_an_arena_cannot_be_entered_twice()
    {
        var outer = new TensorArena();
        var inner = new TensorArena();
        using (outer.Enter())
        {
            var a = Tensor.Arange(3) * 2f;
            Tensor b;
            using (inner.Enter())
            {
                b = Tensor.Arange(3) * 3f;
                var e = Assert.Throws<InvalidOperationException>(() => inner.Enter());
                Assert.Contains("already open", e.Message);
            }
            Assert.True(b.IsReleased);
            Assert.False(a.IsReleased);
            var c = a + 1f;                                                         // the outer arena lends again
            Assert.Equal([1f, 3f, 5f], c.ToArray());
        }
        var scope = outer.Enter();
        scope.Dispose();
        scope.Dispose();                                                            // a second dispose does nothing
        using (outer.Enter()) Assert.Equal([0f, 4f], (Tensor.Arange(2) * 4f).ToArray());
    }
}
