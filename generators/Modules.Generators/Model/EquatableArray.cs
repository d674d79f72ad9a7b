using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace Modules.Generators.Model
{
    /// <summary>An immutable array with value equality, so that pipeline models compare by content and cache.</summary>
    internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
        where T : IEquatable<T>
    {
        private readonly T[]? items;

        public EquatableArray(IEnumerable<T> items) => this.items = items.ToArray();

        public static EquatableArray<T> Empty => new(Array.Empty<T>());

        public int Count => items?.Length ?? 0;

        public T this[int index] => items![index];

        public bool Equals(EquatableArray<T> other)
        {
            var a = items ?? Array.Empty<T>();
            var b = other.items ?? Array.Empty<T>();
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++)
                if (!EqualityComparer<T>.Default.Equals(a[i], b[i])) return false;
            return true;
        }

        public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

        public override int GetHashCode()
        {
            unchecked
            {
                int hash = 17;
                foreach (var item in items ?? Array.Empty<T>()) hash = hash * 31 + (item?.GetHashCode() ?? 0);
                return hash;
            }
        }

        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(items ?? Array.Empty<T>())).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

        public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);
    }

    /// <summary>Conversions to <see cref="EquatableArray{T}"/>.</summary>
    internal static class EquatableArray
    {
        public static EquatableArray<T> ToEquatableArray<T>(this IEnumerable<T> items) where T : IEquatable<T> => new(items);
    }
}
