//! Heatmaps: one metric over two axes of a sweep, one cell per grid point,
//! coloured with viridis (linear or log), with a contour line drawn over the
//! cells, such as where the SLO stops holding.
//!
//! Cells sit at their index along each axis, so unevenly spaced values get
//! equal cells; a contour point between two values is placed by linear
//! interpolation between their cells.

use crate::chart::{
    err, font, legend_entry, legend_note, legend_title, plot_frame, svg, Area, Axis, Scale,
};
use crate::format;
use crate::palette;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A heatmap.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Heatmap {
    /// What the chart shows.
    pub title: String,
    /// Context: the fixed settings, the SLO.
    pub subtitle: String,
    /// x axis label, with unit.
    pub x_label: String,
    /// y axis label, with unit.
    pub y_label: String,
    /// Labels of the x values, left to right.
    pub x_ticks: Vec<String>,
    /// Labels of the y values, bottom to top.
    pub y_ticks: Vec<String>,
    /// `values[j][i]`: the metric at y value `j` and x value `i` (NaN: none).
    pub values: Vec<Vec<f64>>,
    /// Name of the metric with its unit, for the colour bar.
    pub value_label: String,
    /// Colour scale; `None` picks log when positive values span two decades.
    pub scale: Option<Scale>,
    /// Contour points as (fractional x index, y index), bottom to top.
    pub contour: Vec<(f64, f64)>,
    /// Legend text of the contour.
    pub contour_label: String,
    /// A remark under the legend.
    pub note: String,
}

impl Heatmap {
    /// Draws the heatmap as an SVG document.
    pub fn to_svg(&self) -> Result<String, String> {
        svg(&self.title, &self.subtitle, |plot, legend| {
            let flat: Vec<f64> = self.values.iter().flatten().copied().collect();
            let colors = Axis::fit(&flat, self.scale, false);
            self.plot(plot, colors)?;
            self.legend(legend, colors)
        })
    }

    fn color(&self, colors: Axis, v: f64) -> RGBColor {
        if !v.is_finite() {
            return RGBColor(215, 215, 215);
        }
        palette::viridis((colors.map(v) - colors.lo) / (colors.hi - colors.lo))
    }

    fn plot(&self, area: &Area<'_>, colors: Axis) -> Result<(), String> {
        let (nx, ny) = (self.x_ticks.len().max(1), self.y_ticks.len().max(1));
        let mut c = plot_frame(area, -0.5..nx as f64 - 0.5, -0.5..ny as f64 - 0.5)?;
        let tick = |ticks: &[String], v: f64| -> String {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                ticks.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let fx = |v: &f64| tick(&self.x_ticks, *v);
        let fy = |v: &f64| tick(&self.y_ticks, *v);
        c.configure_mesh()
            .disable_mesh()
            .x_desc(self.x_label.clone())
            .y_desc(self.y_label.clone())
            .x_labels(nx.min(13))
            .y_labels(ny.min(13))
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .label_style(font(13.0))
            .axis_desc_style(font(15.0))
            .axis_style(RGBColor(120, 120, 120))
            .draw()
            .map_err(err)?;
        let annotate = nx <= 12 && ny <= 12;
        for (j, row) in self.values.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                let (x, y) = (i as f64, j as f64);
                let fill = self.color(colors, *v);
                c.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                    fill.filled(),
                )))
                .map_err(err)?;
                // Values sit above the centre, clear of a contour through it.
                if annotate {
                    let ink = palette::text_on(fill);
                    let style = font(12.0)
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    c.draw_series(std::iter::once(Text::new(
                        format::num(*v),
                        (x, y + 0.25),
                        style,
                    )))
                    .map_err(err)?;
                }
            }
        }
        // Cell borders, so that neighbours of similar colour stay apart.
        for i in 0..=nx {
            let x = i as f64 - 0.5;
            c.draw_series(LineSeries::new(
                vec![(x, -0.5), (x, ny as f64 - 0.5)],
                WHITE.stroke_width(1),
            ))
            .map_err(err)?;
        }
        for j in 0..=ny {
            let y = j as f64 - 0.5;
            c.draw_series(LineSeries::new(
                vec![(-0.5, y), (nx as f64 - 0.5, y)],
                WHITE.stroke_width(1),
            ))
            .map_err(err)?;
        }
        for run in self
            .contour
            .split(|p| !(p.0.is_finite() && p.1.is_finite()))
            .filter(|r| !r.is_empty())
        {
            // A white halo keeps the line visible on dark and light cells.
            c.draw_series(LineSeries::new(run.to_vec(), WHITE.stroke_width(7)))
                .map_err(err)?;
            c.draw_series(LineSeries::new(
                run.to_vec(),
                palette::REFERENCE.stroke_width(3),
            ))
            .map_err(err)?;
            for p in run {
                c.draw_series(std::iter::once(Circle::new(*p, 5, WHITE.filled())))
                    .map_err(err)?;
                c.draw_series(std::iter::once(Circle::new(
                    *p,
                    4,
                    palette::REFERENCE.filled(),
                )))
                .map_err(err)?;
            }
        }
        Ok(())
    }

    fn legend(&self, area: &Area<'_>, colors: Axis) -> Result<(), String> {
        let mut y = legend_title(area, &self.value_label, 10)?;
        // Colour bar: 160 px tall, high values on top.
        let (top, height, x0, x1) = (y + 4, 160, 10, 34);
        let steps = 64;
        for k in 0..steps {
            let t = 1.0 - (k as f64 + 0.5) / steps as f64;
            let ya = top + (k * height) / steps;
            let yb = top + ((k + 1) * height) / steps;
            let c = palette::viridis(t);
            area.draw(&Rectangle::new([(x0, ya), (x1, yb)], c.filled()))
                .map_err(err)?;
        }
        area.draw(&Rectangle::new(
            [(x0, top), (x1, top + height)],
            RGBColor(120, 120, 120).stroke_width(1),
        ))
        .map_err(err)?;
        let label = font(13.0).pos(Pos::new(HPos::Left, VPos::Center));
        // Log: every decade (every other beyond 7); linear: five even steps.
        let stops: Vec<f64> = match colors.scale {
            Scale::Log => {
                let decades = (colors.hi - colors.lo).round() as usize;
                let step = if decades > 7 { 2 } else { 1 };
                (0..=decades)
                    .step_by(step)
                    .map(|k| colors.lo + k as f64)
                    .collect()
            }
            Scale::Linear => (0..5)
                .map(|k| colors.lo + k as f64 / 4.0 * (colors.hi - colors.lo))
                .collect(),
        };
        for c in stops {
            let f = (c - colors.lo) / (colors.hi - colors.lo);
            let yy = top + height - (f * height as f64).round() as i32;
            area.draw(&PathElement::new(
                vec![(x1, yy), (x1 + 5, yy)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
            area.draw(&Text::new(colors.label(c), (x1 + 9, yy), label.clone()))
                .map_err(err)?;
        }
        y = top + height + 16;
        if colors.scale == Scale::Log {
            y = legend_note(area, y, "Log colour scale.")?;
        }
        if !self.contour.is_empty() {
            y = legend_entry(
                area,
                y + 4,
                palette::REFERENCE,
                false,
                true,
                &self.contour_label,
            )?;
        }
        if self.values.iter().flatten().any(|v| !v.is_finite()) {
            y = legend_note(area, y, "Grey: no value.")?;
        }
        if !self.note.is_empty() {
            legend_note(area, y, &self.note)?;
        }
        Ok(())
    }
}

/// The fractional index of position `x` among sorted `positions`, by linear
/// interpolation (clamped to the ends); NaN when there are none.
pub fn fractional_index(positions: &[f64], x: f64) -> f64 {
    if positions.is_empty() || !x.is_finite() {
        return f64::NAN;
    }
    if x <= positions[0] {
        return 0.0;
    }
    for (i, w) in positions.windows(2).enumerate() {
        if x <= w[1] {
            let span = w[1] - w[0];
            return i as f64 + if span > 0.0 { (x - w[0]) / span } else { 0.0 };
        }
    }
    (positions.len() - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractional_index_interpolates() {
        let p = [10.0, 20.0, 50.0];
        assert_eq!(fractional_index(&p, 15.0), 0.5);
        assert_eq!(fractional_index(&p, 35.0), 1.5);
        assert_eq!(fractional_index(&p, 5.0), 0.0);
        assert_eq!(fractional_index(&p, 99.0), 2.0);
    }
}
