using DncTrain;
using Modules.Dnc;
using Modules.Tensors;

namespace DncTrain.Tests;

public sealed class HtmlVisualizerTests
{
    [Fact]
    public void Colour_scale_runs_from_white_to_navy_and_clamps()
    {
        Assert.Equal("#ffffff", HtmlVisualizer.Colour(0f));
        Assert.Equal("#081d58", HtmlVisualizer.Colour(1f));
        Assert.Equal("#081d58", HtmlVisualizer.Colour(3f));
        Assert.Equal("#ffffff", HtmlVisualizer.Colour(-1f));
        Assert.Equal("#848eac", HtmlVisualizer.Colour(0.5f)); // (255+8)/2, (255+29)/2, (255+88)/2 rounded half-even
    }

    [Fact]
    public void Page_is_self_contained_with_one_rect_per_cell()
    {
        var map = new Heatmap("Usage <slots>", new float[,] { { 0f, 1f, 0.5f }, { 1f, 0f, 0f } }, ["0", "1"]);
        string html = HtmlVisualizer.Render("Run & test", [map], "+1 -+");
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Equal(6, CountOf(html, "<rect "));
        Assert.Equal(1, CountOf(html, "<svg "));
        Assert.Contains("Usage &lt;slots&gt;", html);
        Assert.Contains("<title>Run &amp; test</title>", html);
        Assert.Contains("<title>t=1 0: 1</title>", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
    }

    [Fact]
    public void Episode_trace_makes_panels_for_each_head_usage_and_modes()
    {
        var trace = new EpisodeTrace();
        // B = 1, W = 1, R = 2, N = 3, modes = 1 + 2W = 3; two steps.
        for (int t = 0; t < 2; t++)
        {
            var write = new Tensor([t, 1 - t, 0f], 1, 1, 3);
            var read = new Tensor([0f, 0f, 1f, 0.5f, 0.5f, 0f], 1, 2, 3);
            var usage = new Tensor([0.1f * t, 0.2f, 0.3f], 1, 3);
            var modes = new Tensor([0.2f, 0.3f, 0.5f, 1f, 0f, 0f], 1, 2, 3);
            trace.Add(new MemoryTrace(write, read, usage, modes));
        }
        var maps = trace.ToHeatmaps();
        Assert.Equal(["Write weights (head 0)", "Read weights (head 0)", "Read weights (head 1)", "Usage",
            "Read modes (head 0)", "Read modes (head 1)"], maps.Select(m => m.Title));
        Assert.Equal(1f, maps[0].Values[1, 0]);
        Assert.Equal(1f, maps[0].Values[0, 1]);
        Assert.Equal(0.1f, maps[3].Values[0, 1]);
        Assert.Equal(["backward 0", "forward 0", "content"], maps[4].RowLabels);
        Assert.Equal(0.5f, maps[4].Values[2, 0]);
        Assert.Equal(1f, maps[5].Values[0, 1]);
    }

    [Fact]
    public void Episode_trace_without_usage_or_modes_has_only_weight_panels()
    {
        // A core with no usage (e.g. the NTM) and no read modes: B = 1, W = 1, R = 1, N = 2, three steps.
        var trace = new EpisodeTrace();
        for (int t = 0; t < 3; t++)
            trace.Add(new MemoryTrace(new Tensor([1f, 0f], 1, 1, 2), new Tensor([0.25f * t, 1 - 0.25f * t], 1, 1, 2), null));
        var maps = trace.ToHeatmaps();
        Assert.Equal(["Write weights (head 0)", "Read weights (head 0)"], maps.Select(m => m.Title));
        Assert.Equal(0.5f, maps[1].Values[0, 2]);
        Assert.Equal(3, maps[0].Values.GetLength(1));
    }

    [Fact]
    public void Large_memories_show_only_the_touched_slots()
    {
        // N = 300 > MaxRows: the episode writes slot 5, reads slots 7 (0.5) and 299 (0.02); slot 8 gets 0.005 (untouched).
        var trace = new EpisodeTrace();
        var write = Tensor.Zeros(2, 1, 300);
        write.Data[5] = 1f;
        write.Data[300 + 100] = 1f;   // batch entry 1 is not drawn
        var read = Tensor.Zeros(2, 1, 300);
        read.Data[7] = 0.5f;
        read.Data[8] = 0.005f;
        read.Data[299] = 0.02f;
        var usage = Tensor.Zeros(2, 300);
        usage.Data[299] = 0.75f;
        trace.Add(new MemoryTrace(write, read, usage));
        var maps = trace.ToHeatmaps();
        Assert.Equal(["Write weights (head 0, touched slots)", "Read weights (head 0, touched slots)", "Usage (touched slots)"],
            maps.Select(m => m.Title));
        Assert.Equal(["5", "7", "299"], maps[0].RowLabels);
        Assert.Equal(1f, maps[0].Values[0, 0]);
        Assert.Equal(0.02f, maps[1].Values[2, 0]);
        Assert.Equal(0.75f, maps[2].Values[2, 0]);
    }

    [Fact]
    public void Usage_beyond_one_is_scaled_to_the_colour_range_and_says_so()
    {
        // Time since last access, as the sparse cores report it: B = 1, N = 2, two steps reaching 4.
        var trace = new EpisodeTrace();
        trace.Add(new MemoryTrace(Tensor.Zeros(1, 1, 2), Tensor.Zeros(1, 1, 2), new Tensor([1f, 2f], 1, 2)));
        trace.Add(new MemoryTrace(Tensor.Zeros(1, 1, 2), Tensor.Zeros(1, 1, 2), new Tensor([0f, 4f], 1, 2)));
        var usage = trace.ToHeatmaps().Single(m => m.Title.StartsWith("Usage", StringComparison.Ordinal));
        Assert.Equal("Usage (scaled, 1 = 4)", usage.Title);
        Assert.Equal(0.25f, usage.Values[0, 0]);
        Assert.Equal(1f, usage.Values[1, 1]);
    }

    private static int CountOf(string s, string part)
    {
        int count = 0;
        for (int i = s.IndexOf(part, StringComparison.Ordinal); i >= 0; i = s.IndexOf(part, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
