// Minimal SVG output for the post's figures, and a well-formedness checker.
//
// Svg collects elements on a canvas of width x height user units (the
// viewBox), y pointing down as in SVG. line_chart and bar_chart draw the two
// chart kinds the post uses on top of it: axes with "nice" ticks (1, 2 or 5
// times a power of ten), a legend, and optional horizontal reference lines.
// check_svg parses the text as XML (elements, attributes, text, comments,
// CDATA, the five named entities and character references) and requires a
// single root element named svg.
#pragma once

#include <string>
#include <vector>

namespace tools::io {

/// Escapes &, <, >, " and ' for use in XML text and attribute values.
/// @param text  raw text
/// @return the escaped text
std::string xml_escape(const std::string& text);

/// Standard base64 (RFC 4648, with padding) of @p bytes, for data: URIs.
/// @param bytes  any bytes
/// @return the encoding
std::string base64(const std::string& bytes);

/// Formats @p value with @p decimals digits after the point ("12.50").
/// @param value     the number
/// @param decimals  digits after the point, >= 0
/// @return the text, independent of the locale
std::string fixed(double value, int decimals);

/// An SVG document being built, element by element.
class Svg {
public:
    /// An empty canvas with a white background.
    /// @param width   width in user units (and pixels when rasterised)
    /// @param height  height in user units
    Svg(double width, double height);

    /// A filled rectangle.
    /// @param x,y     top-left corner
    /// @param w,h     size
    /// @param fill    fill colour, e.g. "#1f77b4" or "none"
    /// @param stroke  outline colour ("none" for no outline)
    void rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke = "none");
    /// A straight line.
    /// @param x1,y1   start
    /// @param x2,y2   end
    /// @param stroke  colour
    /// @param width   stroke width
    /// @param dashed  draw dashes instead of a solid line
    void line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1.0,
              bool dashed = false);
    /// A polyline through points (x[k], y[k]).
    /// @param x,y     coordinates, the same length
    /// @param stroke  colour
    /// @param width   stroke width
    /// @param dashed  draw dashes instead of a solid line
    void polyline(const std::vector<double>& x, const std::vector<double>& y, const std::string& stroke,
                  double width = 2.0, bool dashed = false);
    /// A closed polygon through points (x[k], y[k]).
    /// @param x,y     coordinates, the same length
    /// @param fill    fill colour
    /// @param stroke  outline colour ("none" for no outline)
    void polygon(const std::vector<double>& x, const std::vector<double>& y, const std::string& fill,
                 const std::string& stroke = "none");
    /// A line of text; @p anchor is "start", "middle" or "end".
    /// @param x,y     anchor point, y on the baseline
    /// @param text    the text (escaped here)
    /// @param size    font size
    /// @param anchor  which point of the text sits at x
    /// @param fill    colour
    /// @param bold    bold weight
    void text(double x, double y, const std::string& text, double size = 14.0, const std::string& anchor = "start",
              const std::string& fill = "#222", bool bold = false);
    /// Text rotated by -90 degrees about (x, y), for a vertical axis label.
    /// @param x,y   the rotation centre and anchor point
    /// @param text  the text (escaped here)
    /// @param size  font size
    void vertical_text(double x, double y, const std::string& text, double size = 14.0);
    /// A PNG embedded as a data: URI, scaled to w x h without smoothing.
    /// @param x,y        top-left corner
    /// @param w,h        drawn size
    /// @param png_bytes  a complete PNG file (see encode_png)
    void png(double x, double y, double w, double h, const std::string& png_bytes);
    /// The complete document.
    /// @return the XML text, starting with the XML declaration
    std::string str() const;

private:
    double width_, height_;
    std::string body_;
};

/// One line of a line chart.
struct Series {
    std::string label;       ///< legend entry
    std::vector<double> x;   ///< abscissae, increasing
    std::vector<double> y;   ///< ordinates, same length as x
    std::string color;       ///< stroke colour
    bool dashed = false;     ///< dashed stroke
    bool markers = false;    ///< a small square at every point (so a single point shows)
};

/// A horizontal reference line across a chart, e.g. a target error level.
struct Level {
    double y = 0.0;      ///< where
    std::string label;   ///< written at its right end
};

/// A line chart with axes, ticks, a legend and reference lines.
struct LineChart {
    std::string title;            ///< above the plot
    std::string x_label;          ///< under the x axis
    std::string y_label;          ///< beside the y axis
    std::vector<Series> series;   ///< the lines, drawn in order
    std::vector<Level> levels;    ///< dashed grey horizontal lines
    double y_min = 0.0;           ///< bottom of the y axis
    double y_max = 0.0;           ///< top of the y axis; <= y_min means "from the data"
    double width = 720.0;         ///< canvas width
    double height = 420.0;        ///< canvas height
    bool legend_at_bottom = false;  ///< legend in the bottom-right corner (for rising curves) instead of the top-right
};

/// Draws @p chart as a complete SVG document. The x axis runs from 0 (or
/// the smallest x, if negative) to the largest x.
/// @param chart  the data and labels
/// @return the document
/// @throws std::invalid_argument if a series is empty or its x and y differ in length.
std::string line_chart(const LineChart& chart);

/// One bar of a bar chart, with an optional range drawn as a whisker.
struct Bar {
    std::string label;     ///< under the bar
    double value = 0.0;    ///< bar height
    double low = 0.0;      ///< whisker bottom (equal to high: no whisker)
    double high = 0.0;     ///< whisker top
    std::string color;     ///< fill colour
};

/// A bar chart: bars in groups, each group with a caption under it.
struct BarChart {
    std::string title;                       ///< above the plot
    std::string y_label;                     ///< beside the y axis
    std::vector<std::string> groups;         ///< one caption per group
    std::vector<std::vector<Bar>> bars;      ///< bars[g] are group g's bars
    int value_decimals = 2;                  ///< decimals of the value written on each bar
    double width = 720.0;                    ///< canvas width
    double height = 420.0;                   ///< canvas height
};

/// Draws @p chart as a complete SVG document; the y axis starts at 0.
/// @param chart  the bars and labels
/// @return the document
/// @throws std::invalid_argument if groups and bars differ in length or a group is empty.
std::string bar_chart(const BarChart& chart);

/// Checks that @p text is well-formed XML with a single root element named svg.
/// @param text  the document
/// @param name  the file's name, for messages
/// @return the number of elements
/// @throws std::runtime_error "<name>: byte <offset>: <reason>" at the first problem.
int check_svg(const std::string& text, const std::string& name);

}  // namespace tools::io
