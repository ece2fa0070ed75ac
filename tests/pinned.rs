//! Value stability (as `rand` pins its streams): the bytes of a whole seeded base run and of a
//! small run's `tranches.csv` are pinned, so that a restructuring that should change nothing
//! is seen to change nothing, and a change of results is never accidental.
//!
//! When a change of results is intended, the failure prints the new listing: check that the
//! change is what was meant, say why in the commit, and replace the fixture with it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_baitiao-abs");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir`, relative and `/`-separated, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                out.push(
                    relative
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// `sha256  path` for every file of a report folder.
fn listing(dir: &Path) -> String {
    files(dir)
        .iter()
        .map(|file| {
            let digest = Sha256::digest(fs::read(dir.join(file)).unwrap());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            format!("{hex}  {file}\n")
        })
        .collect()
}

/// Runs the binary in `dir` (which holds copies of the shipped scenarios under `scenarios/`
/// and of the calibration they read under `data/`, as in the repository, so that every path
/// the report records is the same on any machine) into `dir/out`.
fn run(dir: &Path, args: &[&str]) {
    for folder in ["scenarios", "data"] {
        fs::create_dir_all(dir.join(folder)).unwrap();
    }
    for file in [
        "scenarios/base.toml",
        "scenarios/stress_aaa.toml",
        "data/base_calibration.toml",
    ] {
        fs::copy(repo().join(file), dir.join(file)).unwrap();
    }
    let output = Command::new(BIN)
        .args(args)
        .args(["--quiet", "--out", "out"])
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

#[test]
fn a_seeded_base_run_keeps_its_bytes() {
    let root = tempfile::tempdir().unwrap();
    run(
        root.path(),
        &[
            "run",
            "scenarios/base.toml",
            "--paths",
            "1000",
            "--seed",
            "1",
        ],
    );
    let actual = listing(&root.path().join("out"));
    let expected = fs::read_to_string(fixture("base_run.sha256")).unwrap();
    assert!(
        actual == expected,
        "the base run's bytes changed; if that is intended, tests/fixtures/base_run.sha256 becomes:\n{actual}"
    );
}

#[test]
fn a_small_seeded_run_keeps_its_tranches_csv() {
    let root = tempfile::tempdir().unwrap();
    run(
        root.path(),
        &[
            "run",
            "scenarios/stress_aaa.toml",
            "--paths",
            "300",
            "--seed",
            "42",
        ],
    );
    let out = root.path().join("out");
    let actual = fs::read_to_string(out.join("tranches.csv")).unwrap();
    let expected = fs::read_to_string(fixture("stress_aaa_300_paths_tranches.csv")).unwrap();
    assert!(
        actual == expected,
        "tranches.csv changed; if that is intended, tests/fixtures/stress_aaa_300_paths_tranches.csv becomes:\n{actual}"
    );
}
