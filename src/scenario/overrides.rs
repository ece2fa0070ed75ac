//! Scenario layers: `extends = "base.toml"` chains and `--set KEY=VALUE` overrides, merged
//! into one TOML document that [`validate`](super::validate) then checks like a single file.
//!
//! - A file that `extends` another is laid over it: tables merge key by key, anything else
//!   (numbers, strings, arrays such as `deal.tranches` and `deal.triggers`) replaces the
//!   base's value whole. Chains are allowed; a cycle is an error naming the chain. The base's
//!   relative paths (`pool.tape`, …) keep meaning what they meant in the base's folder.
//! - Each `--set` is then applied, in command-line order. Its value is a TOML value. An
//!   override that the schema rejects (unknown key, wrong type) is reported naming the
//!   `--set`; a rule it breaks (a range, a cross-reference) is the validator's problem line
//!   with the `--set` that gave the value.
//!
//! Every file of the chain and every override is returned, so the inputs' digest covers them.

use std::path::{Path, PathBuf};

use super::schema::RawScenario;
use super::validate::{Loaded, ScenarioError, parse};
use crate::tape::problems::{clip, toml_problem};

/// Keys whose values are paths relative to the scenario's folder (`validate`'s
/// `existing_file` keys).
const PATH_KEYS: [&str; 7] = [
    "pool.tape",
    "credit.model",
    "credit.policy",
    "assumptions.calibration",
    "deal.rating_table",
    "deal.pd_table",
    "deal.stress_table",
];

/// Longest `extends` chain followed (a guard against a chain of distinct files that never
/// ends, e.g. generated ones; a real stress case is two or three files deep).
const MAX_CHAIN: usize = 32;

/// One `--set KEY=VALUE`: a dotted key of the scenario and a TOML value.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The key's parts: `assumptions.pd_multiplier` → `["assumptions", "pd_multiplier"]`.
    path: Vec<String>,
    value: toml::Value,
    /// As given, `KEY=VALUE`, for messages and the manifest.
    text: String,
}

impl Override {
    /// Reads `KEY=VALUE`: `KEY` is dotted TOML bare keys (`deal.reserve_pct`,
    /// `assumptions.cpr_by_term.12`), `VALUE` a TOML value (`5.5`, `"stress"`, `[0.1, 0.2]`,
    /// `true`). The error says what is wrong (it becomes a usage error naming `--set`).
    pub fn parse(text: &str) -> Result<Override, String> {
        let Some((key, value)) = text.split_once('=') else {
            return Err(format!(
                "`{}` has no `=`: write KEY=VALUE, e.g. assumptions.pd_multiplier=5.5",
                clip(text)
            ));
        };
        let key = key.trim();
        let bare = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        let path: Vec<String> = key.split('.').map(str::to_string).collect();
        if !path.iter().all(|part| bare(part)) {
            return Err(format!(
                "`{}` is not a dotted scenario key: use TOML bare keys joined by `.`, e.g. deal.reserve_pct",
                clip(key)
            ));
        }
        if path[0] == "extends" {
            return Err("`extends` cannot be set on the command line: name the scenario file that extends instead".into());
        }
        let document = format!("value = {}", value.trim());
        let value = match document.parse::<toml::Table>() {
            Ok(mut table) if table.len() == 1 => table.remove("value"),
            _ => None,
        };
        let Some(value) = value else {
            return Err(format!(
                "`{}` is not a TOML value: give a number (5.5), true or false, a quoted string (\"text\"), an array ([0.1, 0.2]) or an inline table ({{ key = 1 }})",
                clip(text.split_once('=').map_or("", |(_, v)| v.trim()))
            ));
        };
        Ok(Override {
            path,
            value,
            text: format!(
                "{key}={}",
                text.split_once('=').map_or("", |(_, v)| v.trim())
            ),
        })
    }

    /// The dotted key, `assumptions.pd_multiplier`.
    pub fn key(&self) -> String {
        self.path.join(".")
    }

    /// `KEY=VALUE` as given (trimmed).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Sets the value in `document`, creating the tables on the way; an error when a part of
    /// the key already holds something that is not a table.
    fn apply(&self, document: &mut toml::Table) -> Result<(), String> {
        let (last, parents) = self.path.split_last().expect("a key has a part");
        let mut table = document;
        for (depth, part) in parents.iter().enumerate() {
            let entry = table
                .entry(part.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            table = match entry {
                toml::Value::Table(inner) => inner,
                other => {
                    return Err(format!(
                        "`{}` is a {}, not a table, so it has no key `{}`",
                        self.path[..=depth].join("."),
                        other.type_str(),
                        self.path[depth + 1]
                    ));
                }
            };
        }
        table.insert(last.clone(), self.value.clone());
        Ok(())
    }
}

/// A scenario loaded through its layers.
#[derive(Debug, Clone)]
pub struct Layered {
    pub loaded: Loaded,
    /// The files read: the scenario, then the file it extends, and so on.
    pub files: Vec<PathBuf>,
}

/// Reads the scenario at `path` with the files it extends and the `overrides` applied, and
/// validates the result. A file without `extends` and no overrides is read exactly as
/// [`parse`] reads its text (the same messages with the same line numbers).
pub fn load(path: &Path, overrides: &[Override]) -> Result<Layered, ScenarioError> {
    let file = path.display().to_string();
    let text = read(path)?;
    let raw: RawScenario = shape(&text, &file)?;
    let base_dir = path.parent().unwrap_or_else(|| Path::new(""));
    if raw.extends.is_none() && overrides.is_empty() {
        let mut loaded = parse(&text, base_dir, &file)?;
        loaded.scenario.file = Some(path.to_path_buf());
        return Ok(Layered {
            loaded,
            files: vec![path.to_path_buf()],
        });
    }
    let mut files = Vec::new();
    let mut chain = Vec::new();
    let mut document = layer(path, text, Path::new(""), &mut files, &mut chain)?;
    let mut problems = Vec::new();
    for o in overrides {
        // Each override checked alone against the files, so a problem names its `--set`.
        let mut alone = document.clone();
        let shaped = o.apply(&mut alone).and_then(|()| {
            toml::Value::Table(alone)
                .try_into::<RawScenario>()
                .map(|_| ())
                .map_err(|e| e.message().to_string())
        });
        if let Err(why) = shaped {
            problems.push(format!("{file}: `--set {}`: {why}", o.text));
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid { file, problems });
    }
    for o in overrides {
        o.apply(&mut document).expect("checked alone above");
    }
    let merged = toml::to_string(&document).expect("a TOML table serializes");
    let mut loaded = parse(&merged, base_dir, &file).map_err(|error| match error {
        ScenarioError::Invalid { file, problems } => ScenarioError::Invalid {
            problems: problems
                .into_iter()
                .map(|line| credit_override(line, overrides))
                .collect(),
            file,
        },
        other => other,
    })?;
    loaded.warnings = loaded
        .warnings
        .into_iter()
        .map(|line| credit_override(line, overrides))
        .collect();
    loaded.scenario.file = Some(path.to_path_buf());
    Ok(Layered { loaded, files })
}

fn read(path: &Path) -> Result<String, ScenarioError> {
    std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        file: path.display().to_string(),
        source,
    })
}

/// The file's shape (syntax, unknown keys, types) with its own line and column.
fn shape(text: &str, file: &str) -> Result<RawScenario, ScenarioError> {
    toml::from_str(text).map_err(|error| ScenarioError::Invalid {
        file: file.to_string(),
        problems: vec![toml_problem(file, text, &error)],
    })
}

/// The document of `path` (whose `text` is read) laid over the files it extends. `prefix` is
/// this file's folder relative to the first scenario's folder, which the relative paths
/// written in it are rebased on. `chain` holds the canonical paths followed so far.
fn layer(
    path: &Path,
    text: String,
    prefix: &Path,
    files: &mut Vec<PathBuf>,
    chain: &mut Vec<PathBuf>,
) -> Result<toml::Table, ScenarioError> {
    let file = path.display().to_string();
    let invalid = |problem: String| ScenarioError::Invalid {
        file: file.clone(),
        problems: vec![problem],
    };
    let raw = shape(&text, &file)?;
    files.push(path.to_path_buf());
    chain.push(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()));
    let mut document: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| invalid(format!("{file}: {}", e.message())))?;
    rebase_paths(&mut document, prefix);
    let Some(extends) = raw.extends else {
        return Ok(document);
    };
    document.remove("extends");
    let folder = path.parent().unwrap_or_else(|| Path::new(""));
    let base_path = folder.join(&extends);
    let Ok(canonical) = base_path.canonicalize() else {
        return Err(invalid(format!(
            "{file}: `extends`: file `{}` does not exist (paths are relative to the scenario's folder)",
            base_path.display()
        )));
    };
    if let Some(first) = chain.iter().position(|seen| *seen == canonical) {
        let names: Vec<String> = files[first..]
            .iter()
            .map(|f| f.display().to_string())
            .chain(std::iter::once(base_path.display().to_string()))
            .collect();
        return Err(invalid(format!(
            "{file}: `extends`: the chain comes back to a file it started from: {}",
            names.join(" → ")
        )));
    }
    if chain.len() >= MAX_CHAIN {
        return Err(invalid(format!(
            "{file}: `extends`: the chain is longer than {MAX_CHAIN} files"
        )));
    }
    let base_text = read(&base_path)?;
    let base_prefix = prefix.join(
        Path::new(&extends)
            .parent()
            .unwrap_or_else(|| Path::new("")),
    );
    let mut base = layer(&base_path, base_text, &base_prefix, files, chain)?;
    merge(&mut base, document);
    Ok(base)
}

/// Lays `over` on `base`: tables merge key by key, any other value replaces.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(over_inner)) => {
                merge(inner, over_inner)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Rewrites the relative paths of a base file so they mean, from the first scenario's folder,
/// what they meant from the base's.
fn rebase_paths(document: &mut toml::Table, prefix: &Path) {
    if prefix.as_os_str().is_empty() {
        return;
    }
    for key in PATH_KEYS {
        let (table, name) = key.split_once('.').expect("dotted");
        let Some(toml::Value::Table(table)) = document.get_mut(table) else {
            continue;
        };
        if let Some(toml::Value::String(relative)) = table.get_mut(name)
            && Path::new(relative.as_str()).is_relative()
            && !relative.trim().is_empty()
        {
            *relative = prefix.join(relative.as_str()).display().to_string();
        }
    }
}

/// A validator's problem or warning line with the `--set` that gave the key it names.
fn credit_override(line: String, overrides: &[Override]) -> String {
    let Some(o) = overrides.iter().rev().find(|o| {
        let key = o.key();
        line.contains(&format!("`{key}`"))
            || line.contains(&format!("`{key}."))
            || line.contains(&format!("`{key}["))
    }) else {
        return line;
    };
    format!("{line} (the value of `--set {}`)", o.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_read_dotted_keys_and_toml_values() {
        let o = Override::parse("assumptions.pd_multiplier=5.5").unwrap();
        assert_eq!(o.key(), "assumptions.pd_multiplier");
        assert_eq!(o.value, toml::Value::Float(5.5));
        let o = Override::parse(" deal.principal = \"pro_rata\" ").unwrap();
        assert_eq!(o.value, toml::Value::String("pro_rata".into()));
        assert_eq!(o.text(), "deal.principal=\"pro_rata\"");
        let o = Override::parse("assumptions.cpr_by_term.12=0.2").unwrap();
        assert_eq!(o.path, ["assumptions", "cpr_by_term", "12"]);
        assert_eq!(
            Override::parse("simulation.paths=1_000").unwrap().value,
            toml::Value::Integer(1000)
        );
    }

    #[test]
    fn bad_overrides_say_what_to_write() {
        for (bad, needle) in [
            ("assumptions.pd_multiplier", "has no `=`"),
            ("assumptions..x=1", "not a dotted scenario key"),
            ("a b=1", "not a dotted scenario key"),
            ("deal.principal=pro_rata", "not a TOML value"),
            ("deal.reserve_pct=0.02\nname = \"x\"", "not a TOML value"),
            ("extends=\"a.toml\"", "`extends` cannot be set"),
        ] {
            let error = Override::parse(bad).expect_err(bad);
            assert!(error.contains(needle), "{bad}: {error}");
        }
    }

    #[test]
    fn tables_merge_key_by_key_and_arrays_replace() {
        let mut base: toml::Table =
            "[deal]\nreserve_pct = 0.01\nhorizon_months = 24\ntranches = [{ name = \"A\" }, { name = \"B\" }]\n"
                .parse()
                .unwrap();
        let over: toml::Table = "[deal]\nreserve_pct = 0.02\ntranches = [{ name = \"C\" }]\n"
            .parse()
            .unwrap();
        merge(&mut base, over);
        let expected: toml::Table =
            "[deal]\nreserve_pct = 0.02\nhorizon_months = 24\ntranches = [{ name = \"C\" }]\n"
                .parse()
                .unwrap();
        assert_eq!(base, expected);
    }

    #[test]
    fn an_override_into_a_value_that_is_not_a_table_is_refused() {
        let mut document: toml::Table = "name = \"x\"".parse().unwrap();
        let error = Override::parse("name.first=1")
            .unwrap()
            .apply(&mut document)
            .unwrap_err();
        assert_eq!(
            error,
            "`name` is a string, not a table, so it has no key `first`"
        );
    }

    #[test]
    fn base_paths_are_rebased_on_the_first_scenario_folder() {
        let mut document: toml::Table =
            "[pool]\ntape = \"tape.csv\"\n[deal]\nstress_table = \"/abs/s.toml\"\n"
                .parse()
                .unwrap();
        rebase_paths(&mut document, Path::new("../common"));
        assert_eq!(
            document["pool"]["tape"].as_str(),
            Some("../common/tape.csv")
        );
        assert_eq!(
            document["deal"]["stress_table"].as_str(),
            Some("/abs/s.toml")
        );
    }
}
