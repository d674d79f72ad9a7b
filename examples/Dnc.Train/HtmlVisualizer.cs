using System.Globalization;
using System.Net;
using System.Text;

namespace DncTrain;

/// <summary>A group of panels on the memory page under one heading.</summary>
/// <param name="Heading">Section heading, e.g. "Write and read weights".</param>
/// <param name="Description">One sentence on what the panels show.</param>
/// <param name="Panels">The heatmaps, in display order.</param>
/// <param name="SideBySide">Panels in a row that wraps (heads next to each other) rather than stacked (the episode's rows).</param>
public sealed record PageSection(string Heading, string Description, IReadOnlyList<Heatmap> Panels, bool SideBySide);

/// <summary>The memory page of one episode.</summary>
/// <param name="Title">Page heading.</param>
/// <param name="Steps">Time steps T of the batch (columns of every panel over time).</param>
/// <param name="RealSteps">Steps of the drawn episode; later ones are padding, greyed.</param>
/// <param name="Sections">The sections in display order.</param>
/// <param name="EpisodeText">The episode as text (as the reports print it), shown last; null for none.</param>
public sealed record MemoryPage(string Title, int Steps, int RealSteps, IReadOnlyList<PageSection> Sections, string? EpisodeText);

/// <summary>
/// Writes the memory page: one self-contained HTML file (inline CSS and SVG, no scripts, nothing fetched). Every
/// panel over time uses the same column width and label margin, so a column is the same time step in every panel;
/// padded steps are greyed; sizes adapt so that 9 steps and N = 16 are not thin strips and N = 128 stays on a screen.
/// </summary>
public static class HtmlVisualizer
{
    /// <summary>Width of the row-label margin of every panel, in pixels.</summary>
    public const int LabelWidth = 72;
    private const int AxisHeight = 16;
    // Room above the first row, so its label (centred on the row) is not cut off when rows are thin.
    private const int Top = 5;
    private const int FontRowPixels = 11;

    /// <summary>Renders a page with one stacked section of <paramref name="panels"/> (no padding).</summary>
    public static string Render(string title, IReadOnlyList<Heatmap> panels, string? preformatted = null)
    {
        ArgumentNullException.ThrowIfNull(panels);
        int steps = panels.Where(p => p.OverTime).Select(p => p.Values.GetLength(1)).DefaultIfEmpty(0).Max();
        return Render(new MemoryPage(title, steps, steps, [new PageSection("Panels", "Time runs left to right.", panels, SideBySide: false)], preformatted));
    }

    /// <summary>Renders the page.</summary>
    public static string Render(MemoryPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        int stepWidth = StepWidth(page.Steps);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
          .Append(WebUtility.HtmlEncode(page.Title)).Append("</title>\n<style>\n")
          .Append("body{font-family:system-ui,sans-serif;margin:20px;color:#222;max-width:1400px}")
          .Append("h1{font-size:20px;margin:0 0 6px}h2{font-size:16px;margin:22px 0 2px;border-bottom:1px solid #ddd}")
          .Append("h3{font-size:13px;margin:0 0 2px;font-weight:600}p{margin:2px 0 8px;font-size:13px;color:#555}")
          .Append(".row{display:flex;flex-wrap:wrap;gap:14px 28px;align-items:flex-start}.stack figure{margin:0 0 6px}")
          .Append("figure{margin:0}svg text{font-size:10px;fill:#444;font-family:system-ui,sans-serif}svg text.pad{fill:#aaa}")
          .Append("svg text.v{font-size:9px;fill:#000}pre{background:#f6f6f6;padding:8px;font-size:12px}")
          .Append(".sw{display:inline-block;width:14px;height:14px;border:1px solid #ccc;vertical-align:middle}\n</style>\n</head>\n<body>\n<h1>")
          .Append(WebUtility.HtmlEncode(page.Title)).Append("</h1>\n<p>")
          .Append(CultureInfo.InvariantCulture, $"{page.RealSteps} of {page.Steps} time steps are the episode")
          .Append(page.RealSteps < page.Steps ? "; the rest is padding, greyed. " : ". ")
          .Append("Scale 0 ").Append(Swatch(Colour(0f))).Append(Swatch(Colour(0.25f))).Append(Swatch(Colour(0.5f)))
          .Append(Swatch(Colour(0.75f))).Append(Swatch(Colour(1f))).Append(" 1; memory contents −max ")
          .Append(Swatch(SignedColour(-1f))).Append(Swatch(SignedColour(-0.5f))).Append(Swatch(SignedColour(0f)))
          .Append(Swatch(SignedColour(0.5f))).Append(Swatch(SignedColour(1f))).Append(" +max; padding ")
          .Append(Swatch(PadColour)).Append(". Hover a cell for its value.</p>\n");
        foreach (var section in page.Sections)
        {
            sb.Append("<section>\n<h2>").Append(WebUtility.HtmlEncode(section.Heading)).Append("</h2>\n<p>")
              .Append(WebUtility.HtmlEncode(section.Description)).Append("</p>\n<div class=\"")
              .Append(section.SideBySide ? "row" : "stack").Append("\">\n");
            foreach (var panel in section.Panels) AppendPanel(sb, panel, stepWidth, page.RealSteps);
            sb.Append("</div>\n</section>\n");
        }
        if (page.EpisodeText is not null)
            sb.Append("<section>\n<h2>Episode as text</h2>\n<pre>").Append(WebUtility.HtmlEncode(page.EpisodeText)).Append("</pre>\n</section>\n");
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>The fill colour for a unit-scale value: white at 0 through blue to dark navy at 1 (clamped).</summary>
    public static string Colour(float value)
    {
        float v = float.IsNaN(value) ? 0f : Math.Clamp(value, 0f, 1f);
        // Linear blend from white (255,255,255) to navy (8,29,88).
        return Blend(v, 8, 29, 88);
    }

    /// <summary>The fill colour for a signed value in [−1, 1]: dark red at −1, white at 0, navy at 1 (clamped).</summary>
    public static string SignedColour(float value)
    {
        float v = float.IsNaN(value) ? 0f : Math.Clamp(value, -1f, 1f);
        return v >= 0 ? Blend(v, 8, 29, 88) : Blend(-v, 165, 15, 21);
    }

    /// <summary>The colour of padded time steps.</summary>
    public const string PadColour = "#d9d9d9";

    /// <summary>Pixels per time step: wide for short episodes (9 steps: 32 px), at least 10 for long ones.</summary>
    public static int StepWidth(int steps) => Math.Clamp(640 / Math.Max(steps, 1), 10, 32);

    /// <summary>Pixels per row: 16 for a few rows, down to 3 so that N = 128 slots take 384 px.</summary>
    public static int RowHeight(int rows) => Math.Clamp(320 / Math.Max(rows, 1), 3, 16);

    private static string Blend(float v, int r1, int g1, int b1)
    {
        int r = (int)MathF.Round(255 + (r1 - 255) * v);
        int g = (int)MathF.Round(255 + (g1 - 255) * v);
        int b = (int)MathF.Round(255 + (b1 - 255) * v);
        return string.Create(CultureInfo.InvariantCulture, $"#{r:x2}{g:x2}{b:x2}");
    }

    private static string Swatch(string colour) => $"<span class=\"sw\" style=\"background:{colour}\"></span>";

    private static void AppendPanel(StringBuilder sb, Heatmap panel, int stepWidth, int realSteps)
    {
        int rows = panel.Values.GetLength(0), cols = panel.Values.GetLength(1);
        int rowHeight = RowHeight(rows);
        // Time panels share the page's step width so columns line up; the link matrix has square cells; memory
        // contents fit their word width into about 200 px.
        int colWidth = panel.OverTime ? stepWidth
            : panel.ColumnName == "from slot" ? rowHeight
            : Math.Clamp(200 / Math.Max(cols, 1), 4, 16);
        int width = LabelWidth + cols * colWidth + 8, height = Top + rows * rowHeight + AxisHeight;
        int labelEvery = (FontRowPixels + rowHeight - 1) / rowHeight;
        int columnLabelEvery = (18 + colWidth - 1) / colWidth;
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"<figure data-rows=\"{rows}\" data-columns=\"{cols}\">\n<h3>").Append(WebUtility.HtmlEncode(panel.Title)).Append("</h3>\n")
          .Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\">\n");
        for (int i = 0; i < rows; i++)
        {
            string label = i < panel.RowLabels.Count ? panel.RowLabels[i] : "";
            if (i % labelEvery == 0)
                sb.Append(inv, $"<text x=\"{LabelWidth - 4}\" y=\"{Top + i * rowHeight + rowHeight / 2 + 4}\" text-anchor=\"end\">")
                  .Append(WebUtility.HtmlEncode(label)).Append("</text>\n");
            for (int t = 0; t < cols; t++)
            {
                float v = panel.Values[i, t];
                string fill = panel.Scale == ColourScale.Signed ? SignedColour(v / panel.Range) : Colour(v / panel.Range);
                string shown = float.IsNaN(v) ? "none" : v.ToString("0.###", inv);
                sb.Append(inv, $"<rect x=\"{LabelWidth + t * colWidth}\" y=\"{Top + i * rowHeight}\" width=\"{colWidth}\" height=\"{rowHeight}\" fill=\"{fill}\">")
                  .Append(inv, $"<title>{WebUtility.HtmlEncode(panel.ColumnName)}={t} {WebUtility.HtmlEncode(label)}: {shown}</title></rect>\n");
                if (panel.ShowValues && !float.IsNaN(v) && colWidth >= 24 && rowHeight >= 12)
                    sb.Append(inv, $"<text class=\"v\" x=\"{LabelWidth + t * colWidth + colWidth / 2}\" y=\"{Top + i * rowHeight + rowHeight - 3}\" text-anchor=\"middle\"")
                      .Append(v / panel.Range > 0.55f ? " style=\"fill:#fff\"" : "").Append(inv, $">{v:0.#}</text>\n");
            }
        }
        if (panel.OverTime && realSteps < cols)
            sb.Append(inv, $"<rect class=\"pad\" x=\"{LabelWidth + realSteps * colWidth}\" y=\"{Top}\" width=\"{(cols - realSteps) * colWidth}\" height=\"{rows * rowHeight}\" fill=\"{PadColour}\" fill-opacity=\"0.85\"/>\n");
        for (int t = 0; t < cols; t += columnLabelEvery)
        {
            string cls = panel.OverTime && t >= realSteps ? " class=\"pad\"" : "";
            sb.Append(inv, $"<text{cls} x=\"{LabelWidth + t * colWidth + colWidth / 2}\" y=\"{Top + rows * rowHeight + 12}\" text-anchor=\"middle\">{t}</text>\n");
        }
        sb.Append(inv, $"<text x=\"{LabelWidth - 4}\" y=\"{Top + rows * rowHeight + 12}\" text-anchor=\"end\">{WebUtility.HtmlEncode(panel.ColumnName)}</text>\n");
        sb.Append("</svg>\n</figure>\n");
    }
}
