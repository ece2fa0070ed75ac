//! The words the tool writes for people, in English and Chinese (issue 16).
//!
//! One catalogue per language, as data: `assets/i18n/en.toml` and `assets/i18n/zh.toml`,
//! compiled into the binary. A string is looked up by its dotted key (`decide.approved`,
//! `decide.reason.LOW_EXTERNAL_SCORE.sentence`); placeholders are `{name}` and are filled by
//! [`fill`]. Every stage that writes for people (the applicant messages of `decide`, the
//! terminal tables, charts, the HTML reports) takes its words from here, so no sentence is
//! written twice and a translation is one file.
//!
//! Completeness is checked by tests, not at run time: both catalogues hold the same keys
//! with the same placeholders, and every key the source code names exists. A key missing at
//! run time (which those tests rule out) falls back to English, then to the key itself, so a
//! user never sees a panic for a missing translation.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// The language of what the tool writes for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// Every language, in the order catalogues are listed.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// The code used on the command line and in scenarios (`en`, `zh`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The `lang` attribute of an HTML page in this language.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../../assets/i18n/en.toml"),
            Lang::Zh => include_str!("../../assets/i18n/zh.toml"),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A language code that is not `en` or `zh`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: expected en or zh")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "en-us" | "en-gb" | "english" => Ok(Lang::En),
            "zh" | "zh-cn" | "zh-hans" | "cn" | "chinese" => Ok(Lang::Zh),
            _ => Err(UnknownLang(s.to_string())),
        }
    }
}

/// A catalogue: dotted key → text.
pub type Catalogue = HashMap<&'static str, &'static str>;

/// The catalogue of `lang`, parsed once per process.
pub fn catalogue(lang: Lang) -> &'static Catalogue {
    static CATALOGUES: [OnceLock<Catalogue>; 2] = [OnceLock::new(), OnceLock::new()];
    let index = match lang {
        Lang::En => 0,
        Lang::Zh => 1,
    };
    CATALOGUES[index].get_or_init(|| {
        parse_catalogue(lang.source())
            .unwrap_or_else(|e| panic!("the built-in {lang} catalogue is broken: {e}"))
    })
}

/// Parses a catalogue file: nested TOML tables of strings, flattened to dotted keys. The
/// strings are leaked once per process (a catalogue is a few dozen KB), so lookups hand out
/// `&'static str` and hot loops (a million `decide` messages) never copy them.
pub fn parse_catalogue(source: &str) -> Result<Catalogue, String> {
    let table: toml::Table = source.parse().map_err(|e| format!("{e}"))?;
    let mut out = Catalogue::new();
    flatten("", &table, &mut out)?;
    Ok(out)
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalogue) -> Result<(), String> {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(text) => {
                out.insert(leak(full), leak(text.clone()));
            }
            toml::Value::Table(inner) => flatten(&full, inner, out)?,
            other => {
                return Err(format!(
                    "{full}: expected text or a table, found {}",
                    other.type_str()
                ));
            }
        }
    }
    Ok(())
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The text of `key` in `lang` (English if `lang` lacks it, the key itself if both do).
pub fn tr(lang: Lang, key: &str) -> &'static str {
    if let Some(text) = catalogue(lang).get(key) {
        return text;
    }
    if let Some(text) = catalogue(Lang::En).get(key) {
        return text;
    }
    leak(key.to_string())
}

/// `template` with each `{name}` replaced by its value from `args`; a placeholder without a
/// value is left as written (the catalogue tests make that impossible for the tool's own
/// strings).
pub fn fill(template: &str, args: &[(&str, &dyn fmt::Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16 * args.len());
    fill_into(&mut out, template, args);
    out
}

/// [`fill`] appending to `out` (no allocation beyond `out`'s growth).
pub fn fill_into(out: &mut String, template: &str, args: &[(&str, &dyn fmt::Display)]) {
    use fmt::Write as _;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => {
                        let _ = write!(out, "{value}");
                    }
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
}

/// The placeholders `{name}` of a template, sorted and without repeats.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    names.sort_unstable();
    names.dedup();
    names
}

#[cfg(test)]
mod tests;
