//! Scenario errors: what is wrong with a scenario, and where.
//!
//! Every error renders as one line that starts with where the problem is: a
//! file position (`scenarios/x.toml:12:1: ...`), the `--set` assignment that
//! caused it (`--set pool.max_total=abc: ...`), or only the file when the
//! scenario came from a table without positions. After that comes the key,
//! as `[table] key`, and what to do about it.

use std::fmt;

/// Why a scenario was refused. `Display` gives one line, for example
/// `scenarios/x.toml:5:13: [pool] max_total: expected a whole number >= 1, found 0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError(Box<Inner>);

/// The parts of a [`ScenarioError`], boxed to keep `Result`s small.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    file: String,
    position: Option<(usize, usize)>,
    key: Option<String>,
    assignment: Option<String>,
    message: String,
    message_names_key: bool,
}

impl ScenarioError {
    /// An error about `key` (dotted, e.g. `pool.max_total`) with no position yet.
    pub(crate) fn new(file: &str, key: Option<String>, message: String, names_key: bool) -> Self {
        ScenarioError(Box::new(Inner {
            file: file.to_string(),
            position: None,
            key,
            assignment: None,
            message: one_line(&message),
            message_names_key: names_key,
        }))
    }

    /// Places the error at a 1-based line and column of the file.
    pub(crate) fn at(mut self, line: usize, column: usize) -> Self {
        self.0.position = Some((line, column));
        self
    }

    /// Blames a `--set KEY=VALUE` assignment instead of the file.
    pub(crate) fn blame_assignment(mut self, assignment: &str) -> Self {
        self.0.assignment = Some(assignment.to_string());
        self
    }

    /// The scenario file (as given to [`super::load`], or the `origin` of [`super::parse`]).
    pub fn file(&self) -> &str {
        &self.0.file
    }
    /// The 1-based line in [`Self::file`], when known.
    pub fn line(&self) -> Option<usize> {
        self.0.position.map(|p| p.0)
    }
    /// The 1-based column (in characters) in [`Self::file`], when known.
    pub fn column(&self) -> Option<usize> {
        self.0.position.map(|p| p.1)
    }
    /// The dotted key at fault, e.g. `pool.max_total` or
    /// `workload.profile[2].at`; `None` for syntax and I/O errors.
    pub fn key(&self) -> Option<&str> {
        self.0.key.as_deref()
    }
    /// The `--set KEY=VALUE` assignment at fault, if an override caused the error.
    pub fn assignment(&self) -> Option<&str> {
        self.0.assignment.as_deref()
    }
    /// What is wrong, without the location or the key, e.g.
    /// `expected a whole number >= 1, found 0`.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

/// `pool.max_total` as `[pool] max_total`; `pool` as `[pool]`.
pub(crate) fn key_display(key: &str) -> String {
    // An entry of an array of tables: `faults[2].at` reads `[[faults]] 2: at`.
    if let Some(rest) = key.strip_prefix("faults[") {
        if let Some((i, tail)) = rest.split_once(']') {
            return match tail.strip_prefix('.') {
                Some(k) => format!("[[faults]] {i}: {k}"),
                None => format!("[[faults]] {i}"),
            };
        }
    }
    let split = key.find(['.', '[']).unwrap_or(key.len());
    let (table, rest) = key.split_at(split);
    match rest.strip_prefix('.') {
        Some(rest) => format!("[{table}] {rest}"),
        None if rest.is_empty() => format!("[{table}]"),
        None => format!("[{table}] {rest}"),
    }
}

/// Longest `--set` assignment echoed in full, in characters; a longer one
/// is cut, with its length, so an error stays one readable line.
const MAX_ECHO: usize = 120;

/// `a`, or its first [`MAX_ECHO`] characters and its length.
fn clip_assignment(a: &str) -> String {
    if a.chars().count() <= MAX_ECHO {
        return a.to_string();
    }
    let head: String = a.chars().take(MAX_ECHO).collect();
    format!("{head}... ({} bytes)", a.len())
}

/// Keeps messages on one line: control characters are escaped.
fn one_line(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| match c {
            '\n' => "\\n".to_string(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0.assignment, self.0.position) {
            (Some(a), _) => {
                write!(f, "--set {}: ", one_line(&clip_assignment(a)))?;
                // The assignment names its own key; name a deeper one.
                let set_key = a.split('=').next().unwrap_or("").trim();
                if let Some(key) = &self.0.key {
                    if !self.0.message_names_key && key != set_key {
                        write!(f, "{}: ", key_display(key))?;
                    }
                }
                return f.write_str(&self.0.message);
            }
            (None, Some((line, col))) => write!(f, "{}:{line}:{col}: ", self.0.file)?,
            (None, None) => write!(f, "{}: ", self.0.file)?,
        }
        if let (Some(key), false) = (&self.0.key, self.0.message_names_key) {
            write!(f, "{}: ", key_display(key))?;
        }
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for ScenarioError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_three_shapes() {
        let e = ScenarioError::new(
            "x.toml",
            Some("pool.max_total".into()),
            "expected a whole number >= 1, found 0".into(),
            false,
        );
        assert_eq!(
            e.clone().at(5, 13).to_string(),
            "x.toml:5:13: [pool] max_total: expected a whole number >= 1, found 0"
        );
        assert_eq!(
            e.clone().to_string(),
            "x.toml: [pool] max_total: expected a whole number >= 1, found 0"
        );
        assert_eq!(
            e.blame_assignment("pool.max_total=0").to_string(),
            "--set pool.max_total=0: expected a whole number >= 1, found 0"
        );
    }

    #[test]
    fn keys_display_as_table_and_rest() {
        assert_eq!(key_display("pool"), "[pool]");
        assert_eq!(
            key_display("workload.profile[2].at"),
            "[workload] profile[2].at"
        );
        assert_eq!(key_display("a[1]"), "[a] [1]");
    }

    #[test]
    fn messages_stay_on_one_line() {
        let e = ScenarioError::new("x", None, "a\nb".into(), true);
        assert_eq!(e.to_string(), "x: a\\nb");
    }
}
