//! Presets applied to a scenario table: the keys a `pool.preset` fills in
//! where the file does not write them, remembered so that a problem with one
//! of them can say the value came from the preset.

use super::values::choice;
use super::Problem;
use crate::scenario::presets::{self, fill};
use toml::{Table, Value};

/// What a preset filled in: its name and the dotted keys it supplied.
#[derive(Clone, Debug, Default)]
pub(crate) struct Applied {
    /// The preset named by `pool.preset`, if any.
    pub name: Option<&'static str>,
    /// Dotted keys whose value came from the preset (`client.backoff.base`).
    pub keys: Vec<String>,
}

impl Applied {
    pub(super) fn supplied(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// Says so in a problem about a value the preset supplied.
    pub(super) fn blame(&self, mut p: Problem) -> Problem {
        if let (Some(name), true) = (self.name, self.supplied(&p.key)) {
            p.message
                .push_str(&format!(" (the value of preset \"{name}\")"));
        }
        p
    }
}

/// `doc` with the keys of its `pool.preset` filled in where not written.
pub(super) fn with_preset(doc: &Table) -> Result<(Table, Applied), Problem> {
    let written = doc
        .get("pool")
        .and_then(Value::as_table)
        .and_then(|p| p.get("preset"));
    let mut options = vec!["none"];
    options.extend(presets::NAMES);
    let chosen = choice(written, "pool.preset", &options, "none")?;
    let Some(preset) = presets::table(chosen) else {
        return Ok((doc.clone(), Applied::default()));
    };
    let mut merged = doc.clone();
    let mut keys = Vec::new();
    fill(&mut merged, &preset, "", &mut keys);
    Ok((
        merged,
        Applied {
            name: Some(chosen),
            keys,
        },
    ))
}
