using System.Globalization;
using System.Text.RegularExpressions;
using DncTrain;

namespace DncTrain.Tests;

/// <summary>
/// The memory page of a trained checkpoint, read back as structure: sections and panel headings in order, every panel's
/// rows and columns, one cell per row and column, time columns at the same x in every panel over time, padding greyed.
/// </summary>
public sealed partial class MemoryPageTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dnc-page-tests-" + Guid.NewGuid().ToString("N"));

    public MemoryPageTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    // Repeat copy with 3 bits (observation 5 channels, target 4), lengths up to 3 and repeats up to 2: T = 3 + 3·2 + 3 = 12.
    private static readonly string[] Small =
    [
        "--hidden-size", "16", "--memory-size", "10", "--word-size", "5", "--num-read-heads", "2", "--num-bits", "3",
        "--batch-size", "4", "--max-length", "3", "--report-interval", "1000", "--seed", "9", "--learning-rate", "1e-2",
        "--checkpoint-interval", "-1", "--quiet",
    ];

    [Fact]
    public void Page_of_a_trained_checkpoint_has_every_section_aligned_and_padding_greyed()
    {
        string dir = Path.Combine(root, "ckpt");
        Assert.Equal(0, Cli.Run([.. Small, "--num-training-iterations", "40", "--checkpoint-dir", dir], TextWriter.Null, TextWriter.Null, false, default));
        // A second run resumes the checkpoint at step 40, trains nothing more and draws the page.
        string path = Path.Combine(root, "memory.html");
        var error = new StringWriter();
        Assert.Equal(0, Cli.Run([.. Small, "--num-training-iterations", "40", "--checkpoint-dir", dir, "--viz", path], TextWriter.Null, error, false, default));
        Assert.Equal("", error.ToString());
        string html = File.ReadAllText(path);

        Assert.Contains("<h1>DNC memory over one repeat-copy episode (after 40 steps)</h1>", html);
        Assert.Equal(["Episode", "Write and read weights", "Usage and read modes", "Memory contents", "Link matrix at the end", "Episode as text"],
            Section().Matches(html).Select(m => m.Groups[1].Value));
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("href=", html);
        Assert.DoesNotContain("src=", html);

        var figures = Figure().Matches(html).Select(m => new Panel(m.Groups[3].Value, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Groups[4].Value)).ToList();
        var titles = figures.Select(f => f.Title).ToList();
        int snapshots = titles.Count(t => t.StartsWith("Memory after step ", StringComparison.Ordinal));
        Assert.InRange(snapshots, 1, 3);
        Assert.Equal((string[])["Input", "Target", "Prediction (sigmoid of the output)", "Scored steps (mask)", "Write weights (head 0)",
            "Read weights (head 0)", "Read weights (head 1)", "Usage", "Read modes (head 0)", "Read modes (head 1)",
            .. titles.Where(t => t.StartsWith("Memory after", StringComparison.Ordinal)), "Link matrix (write head 0)"], titles);

        var page = PageSteps().Match(html);
        int real = int.Parse(page.Groups[1].Value, CultureInfo.InvariantCulture), steps = int.Parse(page.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.InRange(steps, 5, 12);   // 1 + L + 1 + L·R + 1 for L ≤ 3, R ≤ 2, the longest of the batch
        Assert.InRange(real, 5, steps);
        var expected = new Dictionary<string, (int Rows, int Columns)>
        {
            ["Input"] = (5, steps), ["Target"] = (4, steps), ["Prediction (sigmoid of the output)"] = (4, steps), ["Scored steps (mask)"] = (1, steps),
            ["Write weights (head 0)"] = (10, steps), ["Read weights (head 0)"] = (10, steps), ["Read weights (head 1)"] = (10, steps),
            ["Usage"] = (10, steps), ["Read modes (head 0)"] = (3, steps), ["Read modes (head 1)"] = (3, steps),
            ["Link matrix (write head 0)"] = (10, 10),
        };
        int stepWidth = HtmlVisualizer.StepWidth(steps);
        foreach (var f in figures)
        {
            var (rows, columns) = f.Title.StartsWith("Memory after", StringComparison.Ordinal) ? (10, 5) : expected[f.Title];
            Assert.Equal((rows, columns), (f.Rows, f.Columns));
            var cells = Cell().Matches(f.Body).ToList();
            Assert.Equal(rows * columns, cells.Count);
            bool overTime = columns == steps && !f.Title.StartsWith("Link", StringComparison.Ordinal);
            if (overTime)
            {
                // Column t sits at the same x in every panel over time, so the episode rows line up with the heatmaps.
                foreach (var c in cells)
                    Assert.Equal(HtmlVisualizer.LabelWidth + int.Parse(c.Groups[2].Value, CultureInfo.InvariantCulture) * stepWidth,
                        int.Parse(c.Groups[1].Value, CultureInfo.InvariantCulture));
                Assert.Equal(real < steps ? 1 : 0, PadRect().Matches(f.Body).Count);
                if (real < steps)
                    Assert.Equal(HtmlVisualizer.LabelWidth + real * stepWidth, int.Parse(PadRect().Match(f.Body).Groups[1].Value, CultureInfo.InvariantCulture));
            }
            else Assert.Empty(PadRect().Matches(f.Body));
        }
        // Read modes name their rows; probabilities of the three modes sum to one at every step.
        var modes = figures.Single(f => f.Title == "Read modes (head 0)");
        Assert.Contains(">backward 0</text>", modes.Body);
        Assert.Contains(">content</text>", modes.Body);
        var modeValues = Cell().Matches(modes.Body).GroupBy(c => c.Groups[2].Value)
            .Select(g => g.Sum(c => double.Parse(c.Groups[3].Value, CultureInfo.InvariantCulture)));
        Assert.All(modeValues, sum => Assert.Equal(1.0, sum, 0.003));
    }

    [Fact]
    public void Sizes_keep_short_episodes_wide_and_large_memories_on_a_screen()
    {
        Assert.Equal(32, HtmlVisualizer.StepWidth(9));     // the default episode: 288 px, not a strip
        Assert.Equal(10, HtmlVisualizer.StepWidth(200));
        Assert.Equal(16, HtmlVisualizer.RowHeight(16));
        Assert.Equal(3, HtmlVisualizer.RowHeight(128));    // 384 px for N = 128
    }

    [Fact]
    public void Signed_colours_run_from_red_through_white_to_navy()
    {
        Assert.Equal("#ffffff", HtmlVisualizer.SignedColour(0f));
        Assert.Equal("#081d58", HtmlVisualizer.SignedColour(1f));
        Assert.Equal("#a50f15", HtmlVisualizer.SignedColour(-2f));
        Assert.Equal("#d2878a", HtmlVisualizer.SignedColour(-0.5f));   // 255 + (165-255)/2, 255 + (15-255)/2, 255 + (21-255)/2 = 210, 135, 138
    }

    private sealed record Panel(string Title, int Rows, int Columns, string Body);

    [GeneratedRegex("<h2>([^<]+)</h2>")]
    private static partial Regex Section();

    [GeneratedRegex("<figure data-rows=\"(\\d+)\" data-columns=\"(\\d+)\">\\n<h3>([^<]+)</h3>(.*?)</figure>", RegexOptions.Singleline)]
    private static partial Regex Figure();

    [GeneratedRegex("<rect x=\"(\\d+)\" y=\"\\d+\" width=\"\\d+\" height=\"\\d+\" fill=\"#[0-9a-f]{6}\"><title>[^=]+=(\\d+) [^:]*: ([-0-9.]+|none)</title>")]
    private static partial Regex Cell();

    [GeneratedRegex("<rect class=\"pad\" x=\"(\\d+)\"")]
    private static partial Regex PadRect();

    [GeneratedRegex(@"<p>(\d+) of (\d+) time steps are the episode")]
    private static partial Regex PageSteps();
}
