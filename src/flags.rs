//! Flag values, parsed strictly and bounded: each parser's error says what
//! would be valid, and clap names the flag (`invalid value '-1' for '--seed
//! <SEED>': ...`).

/// `--format` of `capsim run`, `validate` and `recommend`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For people: a summary read at a glance.
    Text,
    /// Machine-readable JSON: every figure, with its name.
    Json,
}

/// Most worker threads `--threads` accepts.
pub const MAX_THREADS: usize = 1024;

/// Largest seed: scenario files hold it as a TOML integer (signed 64-bit).
pub const MAX_SEED: u64 = i64::MAX as u64;

/// `--seed`: a whole number from 0 to [`MAX_SEED`].
pub fn seed(s: &str) -> Result<u64, String> {
    whole(s, 0, MAX_SEED)
}

/// `--threads`: a whole number from 1 to [`MAX_THREADS`].
pub fn threads(s: &str) -> Result<usize, String> {
    whole(s, 1, MAX_THREADS)
}

/// `--max-events`: a finite count of at least 1, in plain or scientific
/// notation (`2e9`); NaN and infinity are refused.
pub fn max_events(s: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "expected a count of events from 1 to 1e18, like 5e9, found `{}`",
            clip(s)
        )
    };
    let t = s.trim();
    if !t
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return Err(bad());
    }
    let n: f64 = t.parse().map_err(|_| bad())?;
    if !(1.0..=1e18).contains(&n) {
        return Err(bad());
    }
    Ok(n)
}

/// `--replications`: a whole number from 1 to 10,000 (as in scenario files).
pub fn replications(s: &str) -> Result<u32, String> {
    whole(s, 1, 10_000)
}

/// `s` as a whole number from `lo` to `hi`.
fn whole<T>(s: &str, lo: T, hi: T) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let bad = || {
        format!(
            "expected a whole number from {lo} to {hi}, found `{}`",
            clip(s)
        )
    };
    let n: T = s.trim().parse().map_err(|_| bad())?;
    if n < lo || n > hi {
        return Err(bad());
    }
    Ok(n)
}

/// At most 40 characters of a value, for messages.
fn clip(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        s.chars().take(40).chain("...".chars()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_limits_are_strict() {
        assert_eq!(seed("0"), Ok(0));
        assert_eq!(seed(&MAX_SEED.to_string()), Ok(MAX_SEED));
        assert!(seed("9223372036854775808").is_err());
        assert!(seed("-1").unwrap_err().contains("from 0 to"));
        assert_eq!(threads("2"), Ok(2));
        assert!(threads("0").is_err());
        assert!(threads("100000").unwrap_err().contains("1 to 1024"));
        assert_eq!(max_events("2e9"), Ok(2e9));
        for bad in [
            "nan", "NaN", "inf", "-inf", "infinity", "0", "-5", "1e19", "", "5x",
        ] {
            assert!(max_events(bad).is_err(), "{bad}");
        }
        assert!(replications("0").is_err());
        assert!(seed(&"9".repeat(1000)).unwrap_err().len() < 140);
    }
}
