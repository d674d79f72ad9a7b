using System;
using System.Text;

namespace Modules.Generators.Emitting
{
    /// <summary>Builds generated source line by line with brace-aware indentation (four spaces per level).</summary>
    internal sealed class IndentedWriter
    {
        private readonly StringBuilder builder = new();
        private int depth;

        /// <summary>Writes one line at the current indentation (an empty line stays empty).</summary>
        public IndentedWriter Line(string text = "")
        {
            if (text.Length > 0) builder.Append(' ', depth * 4).Append(text);
            builder.Append('\n');
            return this;
        }

        /// <summary>Writes <paramref name="header"/> (if any) and an opening brace, and indents until the returned scope is disposed.</summary>
        public IDisposable Block(string? header = null)
        {
            if (header is not null) Line(header);
            Line("{");
            depth++;
            return new Scope(this);
        }

        public override string ToString() => builder.ToString();

        private sealed class Scope : IDisposable
        {
            private readonly IndentedWriter writer;
            private bool disposed;

            public Scope(IndentedWriter writer) => this.writer = writer;

            public void Dispose()
            {
                if (disposed) return;
                disposed = true;
                writer.depth--;
                writer.Line("}");
            }
        }
    }
}
