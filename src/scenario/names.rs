//! What a scenario, tranche or segment name may hold. Names are the desk's own words, so any
//! script's letters and digits are allowed (`白条_2015`); a scenario's name also becomes the
//! default report folder `reports/<name>/`, so it must stay a safe single folder name.

/// Why a name with a control character is refused (it would break CSV rows and terminal
/// tables, and cannot be seen).
pub const CONTROL_RULE: &str =
    "contains a control character (a line break or tab, say), a name must be visible text";

/// Whether `name` has a control character (Unicode category Cc: C0, DEL, C1).
pub fn has_control(name: &str) -> bool {
    name.chars().any(char::is_control)
}

/// Whether `name` can be a folder name under `reports/` on every usual file system: only
/// letters and digits of any script (Unicode `Alphabetic` or `Numeric`) and `-`, `_`, `.`;
/// not `.` or `..`; so no path separator, space, quote, wildcard, control or format
/// character, and nothing a shell treats specially.
pub fn is_folder_name(name: &str) -> bool {
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
    !name.is_empty() && name != "." && name != ".." && name.chars().all(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_of_any_script_make_a_folder_name() {
        for good in [
            "白条_2015",
            "stress_AAA-2.v1",
            "优先级A",
            "Ünïcödé",
            "１２３",
            "京东白条",
        ] {
            assert!(is_folder_name(good), "{good}");
        }
    }

    #[test]
    fn separators_controls_and_dots_do_not() {
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a\\b",
            "my deal",
            "白条 2015",
            "a\tb",
            "a\nb",
            "x\u{0}",
            "a\u{200b}b", // zero-width space (format character, invisible)
            "a\u{ff0f}b", // full-width solidus
            "a\u{2215}b", // division slash, looks like `/`
            "a:b",
            "a*b",
            "a?b",
            "a\"b",
            "a<b",
            "a|b",
            "~x",
            "$x",
        ] {
            assert!(!is_folder_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn control_characters_are_found() {
        assert!(has_control("A\n1"));
        assert!(has_control("A\u{7f}"));
        assert!(has_control("A\u{85}"));
        assert!(!has_control("优先 A-1 (senior)"));
    }
}
