using System.Globalization;
using System.Net;
using System.Text;

namespace DncTrain;

/// <summary>
/// Writes a self-contained HTML page (inline SVG, no scripts or external files) with one heatmap per panel,
/// time on the x axis.
/// </summary>
public static class HtmlVisualizer
{
    private const int Cell = 14;
    private const int LabelWidth = 80;

    /// <summary>Renders the page.</summary>
    /// <param name="title">Page title.</param>
    /// <param name="panels">Heatmaps in display order.</param>
    /// <param name="preformatted">Optional text shown under the heatmaps (e.g. the readable episode).</param>
    public static string Render(string title, IReadOnlyList<Heatmap> panels, string? preformatted = null)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
          .Append(WebUtility.HtmlEncode(title)).Append("</title>\n<style>\n")
          .Append("body{font-family:system-ui,sans-serif;margin:24px;color:#222}h2{font-size:15px;margin:18px 0 4px}")
          .Append("svg text{font-size:10px;fill:#444}pre{background:#f6f6f6;padding:8px}\n</style>\n</head>\n<body>\n<h1>")
          .Append(WebUtility.HtmlEncode(title)).Append("</h1>\n<p>Colour scale: 0 ")
          .Append(Swatch(0f)).Append(Swatch(0.25f)).Append(Swatch(0.5f)).Append(Swatch(0.75f)).Append(Swatch(1f))
          .Append(" 1. Time runs left to right.</p>\n");
        foreach (var panel in panels) AppendPanel(sb, panel);
        if (preformatted is not null)
            sb.Append("<h2>Episode</h2>\n<pre>").Append(WebUtility.HtmlEncode(preformatted)).Append("</pre>\n");
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>Renders the page and writes it to <paramref name="path"/>, creating the directory if needed.</summary>
    public static void Write(string path, string title, IReadOnlyList<Heatmap> panels, string? preformatted = null)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllText(path, Render(title, panels, preformatted));
    }

    /// <summary>The fill colour for a value: white at 0 through blue to dark navy at 1 (clamped).</summary>
    public static string Colour(float value)
    {
        float v = float.IsNaN(value) ? 0f : Math.Clamp(value, 0f, 1f);
        // Linear blend from white (255,255,255) to navy (8,29,88).
        int r = (int)MathF.Round(255 + (8 - 255) * v);
        int g = (int)MathF.Round(255 + (29 - 255) * v);
        int b = (int)MathF.Round(255 + (88 - 255) * v);
        return string.Create(CultureInfo.InvariantCulture, $"#{r:x2}{g:x2}{b:x2}");
    }

    private static string Swatch(float v) =>
        $"<span style=\"display:inline-block;width:14px;height:14px;background:{Colour(v)};border:1px solid #ccc\"></span>";

    private static void AppendPanel(StringBuilder sb, Heatmap panel)
    {
        int rows = panel.Values.GetLength(0), steps = panel.Values.GetLength(1);
        int width = LabelWidth + steps * Cell + 4, height = rows * Cell + 18;
        var inv = CultureInfo.InvariantCulture;
        sb.Append("<h2>").Append(WebUtility.HtmlEncode(panel.Title)).Append("</h2>\n")
          .Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\">\n");
        for (int i = 0; i < rows; i++)
        {
            string label = i < panel.RowLabels.Count ? panel.RowLabels[i] : "";
            sb.Append(inv, $"<text x=\"{LabelWidth - 4}\" y=\"{i * Cell + 11}\" text-anchor=\"end\">")
              .Append(WebUtility.HtmlEncode(label)).Append("</text>\n");
            for (int t = 0; t < steps; t++)
            {
                float v = panel.Values[i, t];
                sb.Append(inv, $"<rect x=\"{LabelWidth + t * Cell}\" y=\"{i * Cell}\" width=\"{Cell}\" height=\"{Cell}\" fill=\"{Colour(v)}\">")
                  .Append(inv, $"<title>t={t} {WebUtility.HtmlEncode(label)}: {v:0.###}</title></rect>\n");
            }
        }
        for (int t = 0; t < steps; t++)
            sb.Append(inv, $"<text x=\"{LabelWidth + t * Cell + Cell / 2}\" y=\"{rows * Cell + 12}\" text-anchor=\"middle\">{t}</text>\n");
        sb.Append("</svg>\n");
    }
}
