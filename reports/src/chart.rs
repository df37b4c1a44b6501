//! Line charts: one or more series against a numeric x, with optional 95%
//! confidence bands, dashed reference lines (an SLO limit, a pool's
//! capacity) and linear or logarithmic axes.
//!
//! Layout, the same for every chart so that a page reads evenly: a title and
//! a subtitle on top, the plot on the left, and the legend in its own panel
//! on the right, where it can never cover data. Axis labels carry their unit.
//! Text is written as SVG `<text>` in the generic `sans-serif` family, so
//! neither building nor viewing needs a particular font.

use crate::format;
use crate::palette;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;

/// Width of every chart, in pixels.
pub const WIDTH: u32 = 960;
/// Height of every chart, in pixels.
pub const HEIGHT: u32 = 540;
/// Height of the title and subtitle band.
const HEADER: u32 = 78;
/// Width of the legend panel on the right.
pub(crate) const LEGEND: u32 = 236;
/// plotters writes `font-size = size / 1.24`; sizes below are what we want
/// in SVG pixels.
const PT: f64 = 1.24;

/// A plotters drawing area of an SVG chart.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// How values map to positions along an axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Evenly spaced values.
    Linear,
    /// Evenly spaced decades; zeros are drawn at the lower edge.
    Log,
}

/// One series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Line {
    /// Legend text.
    pub label: String,
    /// (x, y) points in x order; a non-finite y breaks the line.
    pub points: Vec<(f64, f64)>,
    /// (x, low, high) of a 95% confidence band; empty for none.
    pub band: Vec<(f64, f64, f64)>,
    /// Draw a marker at every point (for sweeps, where points are few).
    pub markers: bool,
    /// (x, low, high) of an interval drawn as a capped vertical bar, e.g.
    /// the bracket a threshold was located in; empty for none.
    pub intervals: Vec<(f64, f64, f64)>,
    /// (x, y, at least) of a censored value: a hollow triangle pointing up
    /// (the value is at least y) or down (at most y), not joined to the line.
    pub censored: Vec<(f64, f64, bool)>,
}

/// A horizontal dashed line at a fixed value, such as an SLO limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// Legend text, e.g. `SLO: < 0.001`.
    pub label: String,
    /// The value, in the y axis's unit.
    pub value: f64,
}

/// A chart of lines against x.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineChart {
    /// What the chart shows, in words.
    pub title: String,
    /// Context: the SLO, the fixed settings, what the band means.
    pub subtitle: String,
    /// x axis label, with unit.
    pub x_label: String,
    /// y axis label, with unit.
    pub y_label: String,
    /// x scale; `None` picks log when positive values span two decades.
    pub x_scale: Option<Scale>,
    /// y scale; `None` picks log when positive values span two decades.
    pub y_scale: Option<Scale>,
    /// Start a linear y axis at zero when every value is positive.
    pub y_from_zero: bool,
    /// Heading of the legend, e.g. the name of the axis that tells lines apart.
    pub legend_title: String,
    /// The series.
    pub lines: Vec<Line>,
    /// Reference lines.
    pub references: Vec<Reference>,
    /// A remark under the legend (e.g. "no failures in the window").
    pub note: String,
    /// Values the y axis must include though no line has them: the range of
    /// sibling charts meant to be compared, so that they share one scale.
    pub y_include: Vec<f64>,
    /// An x interval shaded behind the lines, with its legend text (e.g. the
    /// traffic profile's spike).
    pub shade: Option<(f64, f64, String)>,
    /// Moments marked by a dotted vertical line, with their legend text
    /// (e.g. the scenario's faults).
    pub marks: Vec<(f64, String)>,
    /// Label only whole numbers on a linear x axis (x counts things, such as
    /// shards).
    pub x_whole: bool,
}

/// How one axis maps values to plot coordinates (log10 for log axes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Axis {
    pub(crate) scale: Scale,
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    /// Some values are zero (or below zero) on a log axis: drawn at `lo`.
    pub(crate) floored: bool,
}

impl Axis {
    /// Fits an axis to `values` (non-finite ones ignored).
    pub(crate) fn fit(values: &[f64], scale: Option<Scale>, from_zero: bool) -> Axis {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min_pos = finite
            .iter()
            .copied()
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let log_ok = min >= 0.0 && min_pos.is_finite();
        let scale = match scale {
            Some(Scale::Log) if log_ok => Scale::Log,
            Some(_) => Scale::Linear,
            None if log_ok && max / min_pos >= 100.0 => Scale::Log,
            None => Scale::Linear,
        };
        if finite.is_empty() {
            return Axis {
                scale: Scale::Linear,
                lo: 0.0,
                hi: 1.0,
                floored: false,
            };
        }
        match scale {
            Scale::Log => {
                let floored = min <= 0.0;
                let hi = max.log10().ceil();
                let mut lo = min_pos.log10().floor() - if floored { 1.0 } else { 0.0 };
                lo = lo.max(hi - 12.0);
                let hi = if hi <= lo { lo + 1.0 } else { hi };
                Axis {
                    scale,
                    lo,
                    hi,
                    floored,
                }
            }
            Scale::Linear => {
                let mut lo = if from_zero && min >= 0.0 { 0.0 } else { min };
                let mut hi = max;
                if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
                    let pad = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
                    hi += pad;
                    if lo != 0.0 || !from_zero {
                        lo -= pad;
                    }
                } else {
                    let pad = (hi - lo) * 0.05;
                    hi += pad;
                    if lo != 0.0 {
                        lo -= pad;
                    }
                }
                // Values that are never negative get no negative range
                // (a latency scale that starts below zero reads wrong).
                if min >= 0.0 {
                    lo = lo.max(0.0);
                }
                Axis {
                    scale,
                    lo,
                    hi,
                    floored: false,
                }
            }
        }
    }

    /// Plot coordinate of value `v`.
    pub(crate) fn map(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Linear => v,
            Scale::Log if v > 0.0 => v.log10().max(self.lo),
            Scale::Log => self.lo,
        }
    }

    /// Tick label at plot coordinate `c`.
    pub(crate) fn label(&self, c: f64) -> String {
        match self.scale {
            Scale::Linear => format::num(c),
            Scale::Log if self.floored && (c - self.lo).abs() < 1e-9 => "0".into(),
            Scale::Log => format::num(10f64.powf(c)),
        }
    }

    /// How many tick labels to ask plotters for.
    pub(crate) fn ticks(&self, linear: usize) -> usize {
        match self.scale {
            Scale::Linear => linear,
            Scale::Log => ((self.hi - self.lo).round() as usize + 1).min(13),
        }
    }

    /// "(log scale)" or nothing, for axis labels.
    pub(crate) fn suffix(&self) -> &'static str {
        match self.scale {
            Scale::Log => " — log scale",
            Scale::Linear => "",
        }
    }
}

/// A plotters error as text.
pub(crate) fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// A text style of `px` SVG pixels.
pub(crate) fn font(px: f64) -> TextStyle<'static> {
    ("sans-serif", px * PT).into_font().color(&BLACK)
}

/// Splits `text` into lines of at most `width` characters, at spaces.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Draws the title and up to two subtitle lines; returns the area below.
fn header<'a>(root: &Area<'a>, title: &str, subtitle: &str) -> Result<Area<'a>, String> {
    let title_style = ("sans-serif", 20.0 * PT, FontStyle::Bold)
        .into_font()
        .color(&BLACK);
    root.draw(&Text::new(title.to_string(), (18, 12), title_style))
        .map_err(err)?;
    let sub = font(14.0).color(&palette::MUTED);
    for (i, line) in wrap(subtitle, 118).iter().take(2).enumerate() {
        root.draw(&Text::new(
            line.clone(),
            (18, 40 + 19 * i as i32),
            sub.clone(),
        ))
        .map_err(err)?;
    }
    Ok(root.margin(HEADER, 0, 0, 0))
}

/// Draws legend entries top-down in `area`, starting at `y`; returns the
/// next free y.
pub(crate) fn legend_title(area: &Area<'_>, title: &str, mut y: i32) -> Result<i32, String> {
    let style = ("sans-serif", 14.0 * PT, FontStyle::Bold)
        .into_font()
        .color(&BLACK);
    for line in wrap(title, 24) {
        area.draw(&Text::new(line, (8, y), style.clone()))
            .map_err(err)?;
        y += 18;
    }
    Ok(y + 6)
}

/// A legend entry: a line sample (solid or dashed), an optional marker and
/// a label wrapped to the panel.
pub(crate) fn legend_entry(
    area: &Area<'_>,
    y: i32,
    color: RGBColor,
    dashed: bool,
    marker: bool,
    label: &str,
) -> Result<i32, String> {
    let cy = y + 8;
    if dashed {
        for x in [8, 20, 32] {
            area.draw(&PathElement::new(
                vec![(x, cy), (x + 7, cy)],
                color.stroke_width(2),
            ))
            .map_err(err)?;
        }
    } else {
        area.draw(&PathElement::new(
            vec![(8, cy), (38, cy)],
            color.stroke_width(3),
        ))
        .map_err(err)?;
    }
    if marker {
        area.draw(&Circle::new((23, cy), 4, color.filled()))
            .map_err(err)?;
    }
    let style = font(14.0).pos(Pos::new(HPos::Left, VPos::Center));
    let mut ly = cy;
    for line in wrap(label, 22) {
        area.draw(&Text::new(line, (46, ly), style.clone()))
            .map_err(err)?;
        ly += 17;
    }
    Ok(ly.max(cy + 17) + 6)
}

/// A muted remark, wrapped.
pub(crate) fn legend_note(area: &Area<'_>, y: i32, note: &str) -> Result<i32, String> {
    let style = font(13.0).color(&palette::MUTED);
    let mut y = y + 6;
    for line in wrap(note, 28) {
        area.draw(&Text::new(line, (8, y), style.clone()))
            .map_err(err)?;
        y += 16;
    }
    Ok(y)
}

/// Draws a chart as an SVG document in the common layout: a white page, the
/// title and subtitle on top, then `draw` fills the plot area (left) and the
/// legend panel (right).
pub(crate) fn svg(
    title: &str,
    subtitle: &str,
    draw: impl FnOnce(&Area<'_>, &Area<'_>) -> Result<(), String>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let body = header(&root, title, subtitle)?;
        let (plot, legend) = body.split_horizontally(WIDTH - LEGEND);
        draw(&plot, &legend)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The plot in `area` over `x` and `y` (plot coordinates), with the margins
/// and the room for axis labels that every chart shares.
pub(crate) fn plot_frame<'a, 'b>(
    area: &'a Area<'b>,
    x: Range<f64>,
    y: Range<f64>,
) -> Result<ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>, String> {
    ChartBuilder::on(area)
        .margin_top(6)
        .margin_right(18)
        .margin_left(8)
        .margin_bottom(6)
        .x_label_area_size(56)
        .y_label_area_size(86)
        .build_cartesian_2d(x, y)
        .map_err(err)
}

impl LineChart {
    /// Draws the chart as an SVG document.
    pub fn to_svg(&self) -> Result<String, String> {
        svg(&self.title, &self.subtitle, |plot, legend| {
            let (x, y) = self.axes();
            self.plot(plot, x, y)?;
            self.legend(legend, y)
        })
    }

    fn axes(&self) -> (Axis, Axis) {
        let xs: Vec<f64> = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.0))
            .collect();
        let mut ys: Vec<f64> = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .collect();
        // A quantity that is never negative has no negative interval bound:
        // clip it, so that a wide band does not rule out a log axis.
        let floor = if ys.iter().all(|y| y.is_nan() || *y >= 0.0) {
            0.0
        } else {
            f64::NEG_INFINITY
        };
        ys.extend(
            self.lines
                .iter()
                .flat_map(|l| l.band.iter().flat_map(|b| [b.1.max(floor), b.2])),
        );
        ys.extend(
            self.lines
                .iter()
                .flat_map(|l| l.intervals.iter().flat_map(|b| [b.1, b.2])),
        );
        ys.extend(
            self.lines
                .iter()
                .flat_map(|l| l.censored.iter().map(|c| c.1)),
        );
        let mut xs = xs;
        xs.extend(
            self.lines
                .iter()
                .flat_map(|l| l.censored.iter().map(|c| c.0)),
        );
        ys.extend(self.references.iter().map(|r| r.value));
        ys.extend(self.y_include.iter().copied());
        (
            Axis::fit(&xs, self.x_scale, false),
            Axis::fit(&ys, self.y_scale, self.y_from_zero),
        )
    }

    fn plot(&self, area: &Area<'_>, x: Axis, y: Axis) -> Result<(), String> {
        let mut chart = plot_frame(area, x.lo..x.hi, y.lo..y.hi)?;
        let fx = |c: &f64| {
            if self.x_whole && c.fract().abs() > 1e-9 {
                String::new()
            } else {
                x.label(*c)
            }
        };
        let fy = |c: &f64| y.label(*c);
        let x_desc = format!("{}{}", self.x_label, x.suffix());
        let y_desc = format!("{}{}", self.y_label, y.suffix());
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_labels(x.ticks(9))
            .y_labels(y.ticks(7))
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .label_style(font(13.0))
            .axis_desc_style(font(15.0))
            .bold_line_style(RGBColor(222, 222, 222))
            .light_line_style(RGBColor(244, 244, 244))
            .axis_style(RGBColor(120, 120, 120))
            .draw()
            .map_err(err)?;
        for (i, line) in self.lines.iter().enumerate() {
            // Bands are drawn where the line is: on a log axis not around zeros.
            let color = palette::line(i);
            let shown: Vec<Option<(f64, f64, f64)>> = line
                .band
                .iter()
                .enumerate()
                .map(|(k, b)| {
                    let mean = line.points.get(k).map_or(b.2, |p| p.1);
                    let ok = b.1.is_finite()
                        && b.2.is_finite()
                        && (y.scale == Scale::Linear || mean > 0.0);
                    ok.then_some(*b)
                })
                .collect();
            for run in shown.split(|b| b.is_none()).filter(|r| r.len() >= 2) {
                let run: Vec<(f64, f64, f64)> = run.iter().flatten().copied().collect();
                let mut pts: Vec<(f64, f64)> =
                    run.iter().map(|b| (x.map(b.0), y.map(b.2))).collect();
                pts.extend(run.iter().rev().map(|b| (x.map(b.0), y.map(b.1))));
                chart
                    .draw_series(std::iter::once(Polygon::new(pts, color.mix(0.18).filled())))
                    .map_err(err)?;
            }
        }
        if let Some((a, b, _)) = &self.shade {
            let (a, b) = (x.map(a.max(x.lo)), x.map(b.min(x.hi)));
            if a < b {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(a, y.lo), (b, y.hi)],
                        palette::REFERENCE.mix(0.08).filled(),
                    )))
                    .map_err(err)?;
            }
        }
        for (at, _) in &self.marks {
            if (x.lo..=x.hi).contains(&x.map(*at)) {
                let at = x.map(*at);
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(at, y.lo), (at, y.hi)],
                        3,
                        4,
                        palette::REFERENCE.stroke_width(2),
                    ))
                    .map_err(err)?;
            }
        }
        for r in &self.references {
            let v = y.map(r.value);
            let style = palette::REFERENCE.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x.lo, v), (x.hi, v)],
                    9,
                    6,
                    style,
                ))
                .map_err(err)?;
        }
        for (i, line) in self.lines.iter().enumerate() {
            let color = palette::line(i);
            // On a log axis a zero has no position: it is drawn as a hollow
            // marker on the bottom edge and not joined to its neighbours, so
            // that no line suggests a crossing that was not measured.
            let drawable = |p: &(f64, f64)| y.scale == Scale::Linear || p.1 > 0.0;
            let kept: Vec<(f64, f64)> = line
                .points
                .iter()
                .map(|p| if drawable(p) { *p } else { (p.0, f64::NAN) })
                .collect();
            for run in finite_runs(&kept) {
                let pts: Vec<(f64, f64)> = run.iter().map(|p| (x.map(p.0), y.map(p.1))).collect();
                chart
                    .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                    .map_err(err)?;
                if line.markers {
                    chart
                        .draw_series(pts.iter().map(|p| Circle::new(*p, 3.5, color.filled())))
                        .map_err(err)?;
                }
            }
            for &(bx, lo, hi) in &line.intervals {
                if !(bx.is_finite() && lo.is_finite() && hi.is_finite()) {
                    continue;
                }
                let (px, a, b) = (x.map(bx), y.map(lo), y.map(hi));
                let cap = 0.012 * (x.hi - x.lo);
                let style = color.stroke_width(2);
                chart
                    .draw_series([
                        PathElement::new(vec![(px, a), (px, b)], style),
                        PathElement::new(vec![(px - cap, a), (px + cap, a)], style),
                        PathElement::new(vec![(px - cap, b), (px + cap, b)], style),
                    ])
                    .map_err(err)?;
            }
            for &(cx, cy, at_least) in &line.censored {
                if !(cx.is_finite() && cy.is_finite()) {
                    continue;
                }
                let (px, py) = (x.map(cx), y.map(cy));
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((px, py)) + {
                            let tip: i32 = if at_least { -9 } else { 9 };
                            let base = -tip / 2;
                            PathElement::new(
                                vec![(0, tip), (-7, base), (7, base), (0, tip)],
                                color.stroke_width(2),
                            )
                        },
                    ))
                    .map_err(err)?;
            }
            let floored = line
                .points
                .iter()
                .filter(|p| p.0.is_finite() && p.1.is_finite() && !drawable(p));
            chart
                .draw_series(
                    floored.map(|p| Circle::new((x.map(p.0), y.lo), 4, color.stroke_width(2))),
                )
                .map_err(err)?;
        }
        Ok(())
    }

    fn legend(&self, area: &Area<'_>, y_axis: Axis) -> Result<(), String> {
        let mut y = 10;
        if !self.legend_title.is_empty() {
            y = legend_title(area, &self.legend_title, y)?;
        }
        for (i, line) in self.lines.iter().enumerate() {
            if y > HEIGHT as i32 - HEADER as i32 - 40 {
                y = legend_note(
                    area,
                    y,
                    &format!("… and {} more lines", self.lines.len() - i),
                )?;
                break;
            }
            y = legend_entry(area, y, palette::line(i), false, line.markers, &line.label)?;
        }
        for r in &self.references {
            y = legend_entry(area, y, palette::REFERENCE, true, false, &r.label)?;
        }
        if self.lines.iter().any(|l| !l.band.is_empty()) {
            y = legend_note(
                area,
                y,
                "Shaded: 95% confidence interval across replications.",
            )?;
        }
        if let Some((_, _, label)) = &self.shade {
            y = legend_note(area, y, &format!("Shaded: {label}."))?;
        }
        if !self.marks.is_empty() {
            let said: Vec<&str> = self.marks.iter().map(|(_, l)| l.as_str()).collect();
            y = legend_note(area, y, &format!("Dotted: {}.", said.join("; ")))?;
        }
        if y_axis.floored {
            y = legend_note(
                area,
                y,
                "Hollow markers on the bottom edge: zero (no position on a log scale).",
            )?;
        }
        if !self.note.is_empty() {
            legend_note(area, y, &self.note)?;
        }
        Ok(())
    }
}

/// Maximal runs of points with finite coordinates.
fn finite_runs(points: &[(f64, f64)]) -> Vec<&[(f64, f64)]> {
    points
        .split(|p| !(p.0.is_finite() && p.1.is_finite()))
        .filter(|run| !run.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axis_when_values_span_decades() {
        let a = Axis::fit(&[0.0, 1e-4, 0.02, 0.5], None, true);
        assert_eq!(a.scale, Scale::Log);
        assert_eq!((a.lo, a.hi), (-5.0, 0.0));
        assert!(a.floored);
        assert_eq!(a.label(-5.0), "0");
        assert_eq!(a.label(-2.0), "0.01");
        let a = Axis::fit(&[1.0, 5.0, 9.0], None, true);
        assert_eq!(a.scale, Scale::Linear);
        assert_eq!(a.lo, 0.0);
    }

    #[test]
    fn flat_and_empty_axes_have_room() {
        let a = Axis::fit(&[0.0, 0.0], None, true);
        assert!(a.hi > a.lo);
        let a = Axis::fit(&[f64::NAN], None, false);
        assert_eq!((a.lo, a.hi), (0.0, 1.0));
    }

    #[test]
    fn same_chart_same_bytes() {
        let chart = LineChart {
            title: "t".into(),
            lines: vec![Line {
                label: "a".into(),
                points: vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0)],
                ..Line::default()
            }],
            references: vec![Reference {
                label: "limit".into(),
                value: 2.0,
            }],
            ..LineChart::default()
        };
        let a = chart.to_svg().unwrap();
        assert_eq!(a, chart.to_svg().unwrap());
        assert!(a.starts_with("<svg"));
    }
}
