use super::*;
use std::collections::BTreeSet;
use std::path::Path;

fn keys(lang: Lang) -> BTreeSet<&'static str> {
    catalogue(lang).keys().copied().collect()
}

#[test]
fn every_string_exists_in_both_languages() {
    let en = keys(Lang::En);
    let zh = keys(Lang::Zh);
    let only_en: Vec<_> = en.difference(&zh).collect();
    let only_zh: Vec<_> = zh.difference(&en).collect();
    assert!(
        only_en.is_empty() && only_zh.is_empty(),
        "missing in zh.toml: {only_en:?}; missing in en.toml: {only_zh:?}"
    );
    assert!(en.len() > 20, "the catalogue is not empty");
}

#[test]
fn both_languages_have_the_same_placeholders() {
    let mismatched: Vec<_> = keys(Lang::En)
        .into_iter()
        .filter(|key| placeholders(tr(Lang::En, key)) != placeholders(tr(Lang::Zh, key)))
        .collect();
    assert!(mismatched.is_empty(), "placeholders differ: {mismatched:?}");
}

/// A Chinese string that still holds English words was not translated. Strings that are
/// only punctuation, digits, placeholders or markup in English (a separator, a full stop)
/// are exempt.
#[test]
fn chinese_strings_are_chinese() {
    // Letters outside `{placeholders}` and `<markup>` (a tag such as `</li>` is no word).
    fn letters_outside_placeholders(text: &str) -> bool {
        let (mut placeholder, mut tag) = (0, 0);
        text.chars().any(|c| match c {
            '{' => {
                placeholder += 1;
                false
            }
            '}' => {
                placeholder -= 1;
                false
            }
            '<' => {
                tag += 1;
                false
            }
            '>' => {
                tag -= 1;
                false
            }
            c => placeholder == 0 && tag <= 0 && c.is_ascii_alphabetic(),
        })
    }
    let is_cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let untranslated: Vec<_> = keys(Lang::En)
        .into_iter()
        .filter(|key| {
            letters_outside_placeholders(tr(Lang::En, key))
                && !tr(Lang::Zh, key).chars().any(is_cjk)
        })
        .collect();
    assert!(untranslated.is_empty(), "not translated: {untranslated:?}");
}

/// Every `tr(LANG, "key")` with a literal key anywhere under `src/` (but this file, whose
/// examples are not keys) names a key of the catalogue. Keys built at run time (reason codes, features) are checked by their owners'
/// tests, which enumerate every value.
#[test]
fn every_key_the_code_names_exists() {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("i18n/tests.rs")
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let en = keys(Lang::En);
    let mut named = 0;
    let mut missing = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for key in literal_keys(&text) {
            named += 1;
            if !en.contains(key) {
                missing.push(format!("{}: {key}", file.display()));
            }
        }
    }
    assert!(missing.is_empty(), "keys not in the catalogue: {missing:?}");
    assert!(named > 0, "the scan finds the code's keys");
}

/// The literal keys of `tr(…, "key")` calls in `source`.
fn literal_keys(source: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("tr(") {
        let preceded_by_ident = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let call = &rest[at + 3..];
        rest = call;
        if preceded_by_ident {
            continue;
        }
        let Some(comma) = call.find(',') else {
            continue;
        };
        let after = call[comma + 1..].trim_start();
        if let Some(literal) = after.strip_prefix('"')
            && let Some(end) = literal.find('"')
            && call[..comma].find(')').is_none()
        {
            out.push(&literal[..end]);
        }
    }
    out
}

#[test]
fn literal_keys_are_found_in_calls_only() {
    let source = r#"let a = tr(lang, "x.y"); let b = attr(lang, "no"); tr(Lang::Zh, "z");"#;
    assert_eq!(literal_keys(source), ["x.y", "z"]);
}

#[test]
fn fill_replaces_named_placeholders() {
    assert_eq!(
        fill(
            "限额 {limit} 元，评分 {score}",
            &[("limit", &5000), ("score", &"612")]
        ),
        "限额 5000 元，评分 612"
    );
    // Repeated, unknown and unterminated placeholders.
    assert_eq!(fill("{a}{a}", &[("a", &1)]), "11");
    assert_eq!(fill("x {b} y", &[("a", &1)]), "x {b} y");
    assert_eq!(fill("x {a", &[("a", &1)]), "x {a");
    assert_eq!(placeholders("{b} and {a} and {b}"), ["a", "b"]);
}

#[test]
fn languages_parse_from_their_codes() {
    assert_eq!("zh".parse::<Lang>(), Ok(Lang::Zh));
    assert_eq!(" ZH-CN ".parse::<Lang>(), Ok(Lang::Zh));
    assert_eq!("en".parse::<Lang>(), Ok(Lang::En));
    assert!("fr".parse::<Lang>().is_err());
    for lang in Lang::ALL {
        assert_eq!(lang.code().parse::<Lang>(), Ok(lang));
    }
}

#[test]
fn a_catalogue_of_other_values_is_refused() {
    assert!(
        parse_catalogue("a = 1")
            .unwrap_err()
            .contains("a: expected text")
    );
    let parsed = parse_catalogue("[x]\ny = \"z\"").unwrap();
    assert_eq!(parsed.get("x.y"), Some(&"z"));
}
