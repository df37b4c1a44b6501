//! Numbers as people read them on axes, in tables and in labels: short,
//! with k/M suffixes for large values, and the same text on every machine.

/// A number for a tick label or a table cell: `50k`, `1.5M`, `0.001`,
/// `2.5e-5`, `12.3`. NaN prints as `n/a`.
pub fn num(v: f64) -> String {
    if v.is_nan() {
        return "n/a".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞".into() } else { "-∞".into() };
    }
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    if a >= 1e6 {
        return format!("{}M", trim(&format!("{:.2}", v / 1e6)));
    }
    if a >= 1e4 {
        return format!("{}k", trim(&format!("{:.2}", v / 1e3)));
    }
    if a >= 100.0 {
        return trim(&format!("{v:.1}"));
    }
    if a >= 1e-3 {
        // Three significant digits.
        let digits = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
        return trim(&format!("{v:.digits$}"));
    }
    let s = format!("{v:.1e}");
    s.replace(".0e", "e")
}

/// A number with enough digits for a table of results: four significant
/// digits, no suffix, so that readers can copy it.
pub fn exact(v: f64) -> String {
    if !v.is_finite() {
        return num(v);
    }
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    if !(1e-4..1e9).contains(&a) {
        return format!("{v:.3e}");
    }
    let digits = (3 - a.log10().floor() as i32).clamp(0, 8) as usize;
    trim(&format!("{v:.digits$}"))
}

/// How narrowly thresholds were located, as a reader sees it: `2%` or `100`.
pub fn precision(p: crate::input::Precision) -> String {
    match p {
        crate::input::Precision::Absolute(t) => exact(t),
        crate::input::Precision::Relative(r) => format!("{}%", exact(r * 100.0)),
    }
}

/// A percentage with up to two decimals: `0.05%`, `12.5%`.
pub fn percent(ratio: f64) -> String {
    if !ratio.is_finite() {
        return num(ratio);
    }
    format!("{}%", trim(&format!("{:.2}", ratio * 100.0)))
}

fn trim(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_short() {
        assert_eq!(num(50_000.0), "50k");
        assert_eq!(num(1_500_000.0), "1.5M");
        assert_eq!(num(9000.0), "9000");
        assert_eq!(num(0.001), "0.001");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(2.5e-5), "2.5e-5");
        assert_eq!(num(1e-5), "1e-5");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(f64::NAN), "n/a");
        assert_eq!(exact(0.000123456), "0.0001235");
        assert_eq!(exact(12345.678), "12346");
        assert_eq!(percent(0.0005), "0.05%");
    }
}
