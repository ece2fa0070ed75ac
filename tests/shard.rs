//! Scale-out (SPEC §9): `run --shard I/K` and `frontier --point I/K` into partials, and
//! `merge` of the partials into the single run's report folder — the same bytes, file by
//! file, but for `summary.json`'s `split` record — and every way a set of partials can be
//! wrong refused with exit 2 naming the folder.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_baitiao-abs");

/// A small revolving deal with target ratings (so both sizings run) and importance
/// sampling on (the default), on a synthetic pool; 9,000 paths are 3 blocks of 4,096, the
/// last one short; a frontier of three policy points. The scale-out drivers' CI check
/// (scale/check_drivers.sh) runs on it too.
const SCENARIO: &str = include_str!("../scale/example.toml");

fn run_in(dir: &Path, args: &[&str]) -> Output {
    run_with(dir, args, &[])
}

/// Runs the binary in `dir` with only `env` of the shard-index variables set.
fn run_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).current_dir(dir);
    for name in [
        "SLURM_ARRAY_TASK_ID",
        "JOB_COMPLETION_INDEX",
        "AWS_BATCH_JOB_ARRAY_INDEX",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn ok(dir: &Path, args: &[&str]) -> Output {
    let out = run_in(dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    out
}

/// A folder with the scenario and, written by `gen-applicants`, an applicant file.
fn case() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
    dir
}

/// Every file under `dir`, relative, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(name, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `merged` is `single` byte for byte, file by file, but for `summary.json`'s `split`,
/// which is returned; `summary.json` without it is `single`'s bytes too.
fn assert_same_but_split(merged: &Path, single: &Path) -> serde_json::Value {
    let (mut merged, mut single) = (files(merged), files(single));
    let merged_summary = merged.remove("summary.json").expect("summary.json");
    let single_summary = single.remove("summary.json").expect("summary.json");
    assert_eq!(
        merged.keys().collect::<Vec<_>>(),
        single.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (name, bytes) in &single {
        assert!(
            merged[name] == *bytes,
            "{name} differs from the single run's"
        );
    }
    let single_json: serde_json::Value = serde_json::from_slice(&single_summary).unwrap();
    assert!(
        single_json.get("split").is_none(),
        "a single run has no split"
    );
    let merged_json: serde_json::Value = serde_json::from_slice(&merged_summary).unwrap();
    let split = merged_json
        .get("split")
        .cloned()
        .expect("a merged run records its split");
    // the record's lines cut out of the text (pretty-printed, a top-level key), not the
    // document re-printed, so that the rest is compared byte for byte
    let text = String::from_utf8(merged_summary).unwrap();
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("  \"split\": "))
        .unwrap();
    let end = start
        + lines[start..]
            .iter()
            .position(|l| *l == "  },\n" || *l == "  }\n")
            .unwrap();
    let last_key = lines[end] == "  }\n";
    lines.drain(start..=end);
    let mut without = lines.concat();
    if last_key {
        let at = without[..without.len() - 2].rfind(",\n").unwrap();
        without.remove(at);
    }
    assert!(
        without.as_bytes() == single_summary.as_slice(),
        "summary.json without `split` differs from the single run's"
    );
    split
}

/// Runs shards `0..k` of `command` (`run` args or `frontier` args, with `flag` `--shard` or
/// `--point`) into `DIR/name-I`, and returns the folders, last first (merge takes any order).
fn shards(dir: &Path, command: &[&str], flag: &str, k: usize, name: &str) -> Vec<String> {
    let mut partials = Vec::new();
    for i in 0..k {
        let partial = format!("{name}-{i}");
        let share = format!("{i}/{k}");
        let mut args = command.to_vec();
        args.extend([flag, &share, "--partial-out", &partial, "--quiet"]);
        ok(dir, &args);
        partials.push(partial);
    }
    partials.reverse();
    partials
}

fn merge(dir: &Path, partials: &[String], out: &str) -> Output {
    let mut args = vec!["merge"];
    args.extend(partials.iter().map(String::as_str));
    args.extend(["--out", out, "--quiet"]);
    run_in(dir, &args)
}

#[test]
fn merged_shards_are_the_single_run_byte_for_byte() {
    let case = case();
    let d = case.path();
    // the single run, kept aside: merges publish to the same folder name, which the report
    // names in its "reproduce with" line
    ok(d, &["run", "s.toml", "--quiet", "--out", "out"]);
    fs::rename(d.join("out"), d.join("single")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("single/summary.json")).unwrap()).unwrap();
    // what the test is about: importance sampling on, purchases, both sizings, 3 blocks
    assert_eq!(summary["monte_carlo"]["importance_sampling"], true);
    assert!(
        summary["monte_carlo"]["sampling_shifts"]
            .as_array()
            .unwrap()
            .len()
            > 1
    );
    assert!(
        summary["deterministic"]["cumulative_purchases"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(summary["sizing"]["funding_capacity"].as_f64().unwrap() > 0.0);
    assert!(
        summary["sizing_tdr_bdr"]["funding_capacity"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(summary["manifest"]["paths"], 9000);

    for k in [1, 2, 3, 7] {
        let partials = shards(d, &["run", "s.toml"], "--shard", k, &format!("k{k}"));
        let out = merge(d, &partials, "out");
        assert!(out.status.success(), "K = {k}: {}", stderr(&out));
        let split = assert_same_but_split(&d.join("out"), &d.join("single"));
        assert_eq!(split["shards"], k, "K = {k}: {split}");
        assert_eq!(split["blocks"], 3);
        // the shards in order, tiling the blocks: ⌈3/K⌉ first, the last ones empty for K > 3
        let ranges: Vec<(u64, u64)> = split["partials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["first"].as_u64().unwrap(), p["end"].as_u64().unwrap()))
            .collect();
        let expected: Vec<(u64, u64)> = match k {
            1 => vec![(0, 3)],
            2 => vec![(0, 2), (2, 3)],
            3 => vec![(0, 1), (1, 2), (2, 3)],
            _ => vec![(0, 1), (1, 2), (2, 3), (3, 3), (3, 3), (3, 3), (3, 3)],
        };
        assert_eq!(ranges, expected, "K = {k}");
        // a merge into the folder of an earlier merge replaces it
        assert!(
            fs::read_dir(d)
                .unwrap()
                .all(|e| { !e.unwrap().file_name().to_string_lossy().starts_with(".out") })
        );
    }
}

#[test]
fn a_merged_frontier_is_the_single_frontier_byte_for_byte() {
    let case = case();
    let d = case.path();
    ok(
        d,
        &[
            "gen-applicants",
            "--applicants",
            "400",
            "--seed",
            "5",
            "--out",
            "applicants.csv",
        ],
    );
    let command = ["frontier", "s.toml", "--applicants", "applicants.csv"];
    let mut args = command.to_vec();
    args.extend(["--quiet", "--out", "out"]);
    ok(d, &args);
    fs::rename(d.join("out"), d.join("single")).unwrap();
    assert!(fs::read(d.join("single/frontier.csv")).unwrap().len() > 100);
    for k in [1, 2, 4] {
        let partials = shards(d, &command, "--point", k, &format!("f{k}"));
        let out = merge(d, &partials, "out");
        assert!(out.status.success(), "K = {k}: {}", stderr(&out));
        let split = assert_same_but_split(&d.join("out"), &d.join("single"));
        assert_eq!(split["unit"], "point");
        assert_eq!(split["points"], 3);
        assert_eq!(split["shards"], k);
    }
}

/// Expects exit 2 with every needle in stderr, and no report folder `out`.
fn refused(dir: &Path, output: Output, needles: &[&str]) {
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "`{needle}` not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.join("out").exists(), "nothing written");
}

#[test]
fn a_missing_duplicated_foreign_or_half_written_partial_is_refused() {
    let case = case();
    let d = case.path();
    // 5,000 paths: 2 blocks, over 3 shards (the last one empty)
    let run = ["run", "s.toml", "--paths", "5000"];
    let partials = shards(d, &run, "--shard", 3, "p");
    let [p2, p1, p0] = [&partials[0], &partials[1], &partials[2]];
    let all = |extra: &[&String]| -> Vec<String> {
        let mut v: Vec<String> = partials.clone();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };

    // missing: shard 1 of 3
    refused(
        d,
        merge(d, &[p0.clone(), p2.clone()], "out"),
        &["shard 1/3", "blocks 1..2, paths 4096..5000", "is missing"],
    );
    // duplicated: the same folder twice, and a copy of a shard under another name
    refused(
        d,
        merge(d, &all(&[p1]), "out"),
        &["shard 1/3 is given more than once", "p-1 and p-1"],
    );
    fs::create_dir(d.join("copy")).unwrap();
    for f in ["manifest.json", "partial.json", "data.cbor"] {
        fs::copy(d.join(p0).join(f), d.join("copy").join(f)).unwrap();
    }
    refused(
        d,
        merge(d, &all(&[&"copy".to_string()]), "out"),
        &["shard 0/3 is given more than once", "p-0 and copy"],
    );
    // foreign: a shard of another seed, and one of other inputs (another tape: the same
    // scenario name with another pool)
    let mut args = run.to_vec();
    args.extend([
        "--seed",
        "9",
        "--shard",
        "1/3",
        "--partial-out",
        "seed9",
        "--quiet",
    ]);
    ok(d, &args);
    refused(
        d,
        merge(d, &[p0.clone(), "seed9".into(), p2.clone()], "out"),
        &["seed9: a foreign shard", "seed 9 (the other partials': 1)"],
    );
    fs::write(
        d.join("other.toml"),
        SCENARIO.replace("receivables = 300", "receivables = 301"),
    )
    .unwrap();
    ok(
        d,
        &[
            "run",
            "other.toml",
            "--paths",
            "5000",
            "--shard",
            "1/3",
            "--partial-out",
            "other",
            "--quiet",
        ],
    );
    refused(
        d,
        merge(d, &[p0.clone(), "other".into(), p2.clone()], "out"),
        &["other: a foreign shard", "inputs' digest"],
    );
    // half-written: data cut short, partial.json gone, manifest.json gone (a shard killed
    // while writing leaves no manifest.json)
    for (name, damage) in [
        ("cut", "data.cbor"),
        ("nopartial", "partial.json"),
        ("nomanifest", "manifest.json"),
    ] {
        fs::create_dir(d.join(name)).unwrap();
        for f in ["manifest.json", "partial.json", "data.cbor"] {
            fs::copy(d.join(p1).join(f), d.join(name).join(f)).unwrap();
        }
        let path = d.join(name).join(damage);
        if damage == "data.cbor" {
            let bytes = fs::read(&path).unwrap();
            fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        } else {
            fs::remove_file(&path).unwrap();
        }
        refused(
            d,
            merge(d, &[p0.clone(), name.into(), p2.clone()], "out"),
            &[&format!("{name}: not a complete partial"), damage],
        );
    }
    // the inputs changed after the shards ran
    let original = fs::read_to_string(d.join("s.toml")).unwrap();
    fs::write(
        d.join("s.toml"),
        original.replace("cpr = 0.15", "cpr = 0.16"),
    )
    .unwrap();
    refused(
        d,
        merge(d, &partials, "out"),
        &["s.toml", "a file changed since the shards ran"],
    );
    fs::write(d.join("s.toml"), original).unwrap();
    // and with everything right, the merge goes through; every problem was named before
    assert!(merge(d, &partials, "out").status.success());
}

#[test]
fn a_rerun_shard_replaces_its_partial_and_auto_reads_the_array_index() {
    let case = case();
    let d = case.path();
    let run = ["run", "s.toml", "--paths", "5000", "--quiet"];
    let with = |extra: &[&str]| -> Vec<String> {
        run.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let args = with(&["--shard", "1/2", "--partial-out", "p1"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(d, &args);
    let first = files(&d.join("p1"));
    // idempotent: a rerun (a retried or speculative task) replaces the partial, same data
    ok(d, &args);
    let again = files(&d.join("p1"));
    assert_eq!(first["data.cbor"], again["data.cbor"]);
    assert_eq!(
        fs::read_dir(d).unwrap().count(),
        2,
        "s.toml and p1, no temporary left"
    );
    // auto/K: the index from each engine's variable, the same shard as 1/2
    for variable in [
        "SLURM_ARRAY_TASK_ID",
        "JOB_COMPLETION_INDEX",
        "AWS_BATCH_JOB_ARRAY_INDEX",
    ] {
        let args = with(&["--shard", "auto/2", "--partial-out", "auto"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_with(d, &args, &[(variable, "1")]);
        assert!(out.status.success(), "{variable}: {}", stderr(&out));
        assert_eq!(files(&d.join("auto"))["data.cbor"], first["data.cbor"]);
    }
    let args = with(&["--shard", "auto/2", "--partial-out", "none"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(
        d,
        run_with(d, &args, &[]),
        &[
            "--shard auto/2",
            "SLURM_ARRAY_TASK_ID",
            "JOB_COMPLETION_INDEX",
        ],
    );
    refused(
        d,
        run_with(d, &args, &[("SLURM_ARRAY_TASK_ID", "2")]),
        &["SLURM_ARRAY_TASK_ID=2", "below the shard count 2"],
    );
    refused(
        d,
        run_with(d, &args, &[("JOB_COMPLETION_INDEX", "one")]),
        &["JOB_COMPLETION_INDEX=`one`"],
    );
    assert!(!d.join("none").exists());
    // a partial never replaces a report, nor a report a partial
    ok(
        d,
        &["run", "s.toml", "--paths", "100", "--quiet", "--out", "rep"],
    );
    let args = with(&["--shard", "0/2", "--partial-out", "rep"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_in(d, &args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("rep: holds a baitiao-abs report"));
    let out = run_in(d, &["run", "s.toml", "--paths", "100", "--out", "p1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(files(&d.join("p1"))["data.cbor"], first["data.cbor"]);
    // usage: a shard needs its partial folder, and writes no report
    for bad in [
        &["run", "s.toml", "--shard", "0/2"][..],
        &["run", "s.toml", "--partial-out", "x"][..],
        &["run", "s.toml", "--shard", "2/2", "--partial-out", "x"][..],
        &[
            "run",
            "s.toml",
            "--shard",
            "0/2",
            "--partial-out",
            "x",
            "--out",
            "y",
        ][..],
    ] {
        let out = run_in(d, bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
    }
}
