//! Shards and their partial folders (SPEC §9): which share of a run's blocks (or of a
//! frontier's policy points) a shard does, the folder it leaves for `merge`, and reading that
//! folder back with every check `merge` makes of it.
//!
//! A partial folder is written like a report folder ([`ReportDir`], SPEC §8: into a folder
//! that is new, empty or an earlier partial, atomically, replacing the earlier partial) and
//! holds two files besides the folder's `manifest.json`:
//! - `partial.json`: what the shard is a part of — tool version, scenario, inputs' digest,
//!   seed, paths, the request to re-read the inputs from, the shard `I/K` and its range of
//!   blocks or points — and the length and SHA-256 of the data file, so a half-written or
//!   damaged copy is told from a whole one;
//! - `data.cbor`: the shard's results in CBOR ([`ciborium`], which keeps every `f64` bit for
//!   bit), for a run [`RunPartialData`], for a frontier [`FrontierPartialData`].

use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{AppError, failure, output_error};
use crate::engine::{BLOCK_PATHS, BlockTotals, FactorSampling, PathResult};
use crate::report::manifest::{TOOL_NAME, TOOL_VERSION};
use crate::report::output::{FolderManifest, MANIFEST_FILE};
use crate::report::summary::{ShardSpan, SplitRecord, Summary};
use crate::report::{ReportDir, ReportKind};
use crate::sim::montecarlo::PathLog;
use crate::sizing::frontier::FrontierPoint;

/// The file naming what a partial is a part of.
pub const PARTIAL_FILE: &str = "partial.json";
/// The file holding a partial's results.
pub const DATA_FILE: &str = "data.cbor";
/// The layout of `partial.json` and `data.cbor`; a merge reads only its own.
pub const PARTIAL_FORMAT: u32 = 1;
/// The most shards a run or frontier may be split into.
pub const MAX_SHARDS: usize = 100_000;
/// Where `auto/K` finds the shard's index, in this order: Slurm job arrays, Kubernetes
/// Indexed Jobs, AWS Batch array jobs (each 0-based).
pub const INDEX_VARIABLES: [&str; 3] = [
    "SLURM_ARRAY_TASK_ID",
    "JOB_COMPLETION_INDEX",
    "AWS_BATCH_JOB_ARRAY_INDEX",
];

/// Shard `index` (0-based) of `count`: checked where it is made, so `index < count` and
/// `1 ≤ count ≤` [`MAX_SHARDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    index: usize,
    count: usize,
}

impl Share {
    pub fn new(index: usize, count: usize) -> Result<Share, String> {
        if !(1..=MAX_SHARDS).contains(&count) {
            return Err(format!(
                "the shard count {count} is not in 1..={MAX_SHARDS}"
            ));
        }
        if index >= count {
            return Err(format!(
                "the shard index {index} is not below the shard count {count} (shards are numbered from 0)"
            ));
        }
        Ok(Share { index, count })
    }

    pub fn index(self) -> usize {
        self.index
    }

    pub fn count(self) -> usize {
        self.count
    }

    /// This shard's contiguous share of `total` units (blocks or points): with
    /// `total = q·K + r`, the first `r` shards get `q + 1` units and the others `q`, in
    /// order, so the K shares tile `0..total` and only the last shards are empty when
    /// K > total.
    pub fn range(self, total: usize) -> Range<usize> {
        let (q, r) = (total / self.count, total % self.count);
        let at = |i: usize| i * q + i.min(r);
        at(self.index)..at(self.index + 1)
    }
}

impl std::fmt::Display for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// `--shard` or `--point` as given: `I/K`, or `auto/K` with I from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareSpec {
    Given(Share),
    Auto { count: usize },
}

impl ShareSpec {
    /// Parses `I/K` or `auto/K`.
    pub fn parse(text: &str) -> Result<ShareSpec, String> {
        let usage = || format!("`{text}` is not I/K or auto/K (e.g. 0/4: the first of 4 shards)");
        let (index, count) = text.split_once('/').ok_or_else(usage)?;
        let count: usize = count.trim().parse().map_err(|_| usage())?;
        match index.trim() {
            "auto" => {
                Share::new(0, count)?;
                Ok(ShareSpec::Auto { count })
            }
            index => Ok(ShareSpec::Given(Share::new(
                index.parse().map_err(|_| usage())?,
                count,
            )?)),
        }
    }

    /// The share, reading the index of `auto/K` from the first of [`INDEX_VARIABLES`] that
    /// `lookup` finds set.
    pub fn resolve(
        self,
        flag: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Share, String> {
        let count = match self {
            ShareSpec::Given(share) => return Ok(share),
            ShareSpec::Auto { count } => count,
        };
        let Some((variable, value)) = INDEX_VARIABLES
            .iter()
            .find_map(|v| lookup(v).map(|value| (*v, value)))
        else {
            return Err(format!(
                "{flag} auto/{count}: none of {} is set, so the shard's index is unknown: give {flag} I/{count}",
                INDEX_VARIABLES.join(", ")
            ));
        };
        let index: usize = value.trim().parse().map_err(|_| {
            format!("{flag} auto/{count}: {variable}=`{value}` is not a shard index (a whole number from 0)")
        })?;
        Share::new(index, count)
            .map_err(|rule| format!("{flag} auto/{count}: {variable}={value}: {rule}"))
    }
}

/// What a partial is a part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartialKind {
    /// `run --shard`: a range of the run's blocks of paths.
    Run,
    /// `frontier --point`: a range of the frontier's policy points.
    Frontier,
}

/// The request a shard ran, as given on its command line: `merge` re-reads the inputs from
/// it (and checks they are the ones the shard read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub scenario: PathBuf,
    pub paths: Option<usize>,
    pub seed: Option<u64>,
    /// A frontier's applicants, `--model` and `--policy`.
    pub applicants: Option<PathBuf>,
    pub model: Option<PathBuf>,
    pub policy: Option<PathBuf>,
    /// `--set KEY=VALUE` as given, in order (none: the key is left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
}

/// The length and SHA-256 of a partial's data file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataRecord {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

/// `partial.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialManifest {
    pub format: u32,
    pub kind: PartialKind,
    pub tool: String,
    pub version: String,
    /// The scenario's name.
    pub scenario: String,
    pub inputs_digest: String,
    pub inputs: Vec<String>,
    pub seed: u64,
    /// Paths of the whole run (per policy point for a frontier).
    pub paths: usize,
    pub request: RecordedRequest,
    pub shard: Share,
    /// Units of the whole run: blocks of [`BLOCK_PATHS`] paths for a run, policy points for a
    /// frontier.
    pub units: usize,
    /// The shard's units, `first..end`.
    pub first: usize,
    pub end: usize,
    /// The shard's paths, `first..end` (a run's).
    pub path_range: Option<(usize, usize)>,
    /// Whether the paths' logs are in the data (a run that sizes).
    pub logged: bool,
    /// Seconds the shard's paths (or points) took: for the merged run's terminal summary
    /// (the sum over shards), never for its files.
    pub seconds: f64,
    pub data: DataRecord,
}

impl PartialManifest {
    /// The shard's range of units.
    pub fn range(&self) -> Range<usize> {
        self.first..self.end
    }

    /// `blocks 1..2 (paths 4096..8192)` or `points 0..10`.
    pub fn describe_range(&self) -> String {
        match (self.kind, self.path_range) {
            (PartialKind::Run, Some((a, b))) => {
                format!("blocks {}..{} (paths {a}..{b})", self.first, self.end)
            }
            _ => format!("points {}..{}", self.first, self.end),
        }
    }
}

/// A run shard's results: the run's factor sampling (the same in every shard), each of its
/// blocks' totals, its paths' results and, when the run sizes, their logs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunPartialData {
    pub sampling: FactorSampling,
    pub tail_shifts: Vec<Option<f64>>,
    pub blocks: Vec<BlockTotals>,
    pub paths: Vec<PathResult>,
    pub logs: Vec<PathLog>,
}

/// A frontier shard's results: its policy points, evaluated in full (targets are checked
/// and the policy recommended by `merge`, over all points).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FrontierPartialData {
    pub points: Vec<FrontierPoint>,
}

/// Starts a partial folder at `dir` before the shard's work: refused unless new, empty or an
/// earlier partial (exit 2).
pub fn start_partial(dir: &Path) -> Result<ReportDir, AppError> {
    ReportDir::create(dir, ReportKind::Partial).map_err(output_error)
}

/// Writes the data and `partial.json` (with the data's length and digest) into the partial
/// folder and puts it in place, replacing an earlier partial.
pub fn commit_partial(
    folder: ReportDir,
    mut manifest: PartialManifest,
    data: &impl Serialize,
) -> Result<PathBuf, AppError> {
    let mut bytes = Vec::new();
    ciborium::into_writer(data, &mut bytes).map_err(|e| failure(DATA_FILE, e))?;
    manifest.data = DataRecord {
        file: DATA_FILE.into(),
        bytes: bytes.len() as u64,
        sha256: hex_sha256(&bytes),
    };
    let write = |name: &str, bytes: &[u8]| {
        folder
            .write(name, bytes)
            .map_err(|e| failure(&folder.file(name).display().to_string(), e))
    };
    write(DATA_FILE, &bytes)?;
    let mut json = serde_json::to_vec_pretty(&manifest).map_err(|e| failure(PARTIAL_FILE, e))?;
    json.push(b'\n');
    write(PARTIAL_FILE, &json)?;
    folder.commit().map_err(output_error)
}

/// A manifest for [`commit_partial`] to complete with the data's record.
pub fn empty_data_record() -> DataRecord {
    DataRecord {
        file: DATA_FILE.into(),
        bytes: 0,
        sha256: String::new(),
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `DIR: not a complete partial: …` (exit 2).
fn not_partial(dir: &Path, why: impl std::fmt::Display) -> AppError {
    AppError::Input(format!("{}: not a complete partial: {why}", dir.display()))
}

/// Reads a partial's `partial.json`, checking that the folder is a whole partial of this
/// tool: its `manifest.json` says so and lists the two files. A folder a shard is still
/// writing, or was killed writing, is a hidden `.NAME.tmp-*` folder without a
/// `manifest.json`, and is refused here.
pub fn read_manifest(dir: &Path) -> Result<PartialManifest, AppError> {
    if !dir.is_dir() {
        return Err(not_partial(dir, "no such folder"));
    }
    let folder: FolderManifest = std::fs::read(dir.join(MANIFEST_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            not_partial(
                dir,
                format!(
                    "no readable {MANIFEST_FILE} (a shard that is still writing or was stopped leaves no {MANIFEST_FILE}; rerun the shard)"
                ),
            )
        })?;
    if folder.tool != TOOL_NAME || folder.kind != ReportKind::Partial {
        return Err(not_partial(
            dir,
            format!(
                "{MANIFEST_FILE} says it is a {:?} folder of {}, not a shard's partial",
                folder.kind, folder.tool
            ),
        ));
    }
    for file in [PARTIAL_FILE, DATA_FILE] {
        if !folder.files.iter().any(|f| f == file) {
            return Err(not_partial(dir, format!("{MANIFEST_FILE} lists no {file}")));
        }
    }
    let bytes = std::fs::read(dir.join(PARTIAL_FILE)).map_err(|e| {
        not_partial(
            dir,
            format!("{PARTIAL_FILE}: {e} (half-written: rerun the shard)"),
        )
    })?;
    let manifest: PartialManifest = serde_json::from_slice(&bytes).map_err(|e| {
        not_partial(
            dir,
            format!("{PARTIAL_FILE}: {e} (half-written or damaged: rerun the shard)"),
        )
    })?;
    if manifest.format != PARTIAL_FORMAT {
        return Err(not_partial(
            dir,
            format!(
                "{PARTIAL_FILE} has format {}, this merge reads format {PARTIAL_FORMAT} (version {TOOL_VERSION})",
                manifest.format
            ),
        ));
    }
    Ok(manifest)
}

/// Reads and checks a partial's data: its length and digest must be those `partial.json`
/// records (else the copy is half-written or damaged).
pub fn read_data<T: DeserializeOwned>(
    dir: &Path,
    manifest: &PartialManifest,
) -> Result<T, AppError> {
    let path = dir.join(&manifest.data.file);
    let mut bytes = Vec::with_capacity(manifest.data.bytes as usize);
    std::fs::File::open(&path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| not_partial(dir, format!("{}: {e}", manifest.data.file)))?;
    if bytes.len() as u64 != manifest.data.bytes || hex_sha256(&bytes) != manifest.data.sha256 {
        return Err(not_partial(
            dir,
            format!(
                "{} is {} bytes with another digest than the {} bytes {PARTIAL_FILE} records: half-written or damaged; rerun shard {}",
                manifest.data.file,
                bytes.len(),
                manifest.data.bytes,
                manifest.shard
            ),
        ));
    }
    ciborium::from_reader(bytes.as_slice())
        .map_err(|e| not_partial(dir, format!("{}: {e}", manifest.data.file)))
}

/// The paths of blocks `blocks` of a run of `paths` paths, as a pair.
pub fn path_pair(blocks: &Range<usize>, paths: usize) -> (usize, usize) {
    let range = crate::engine::block_paths(blocks, paths);
    (range.start, range.end)
}

/// Records `split` in a merged folder's summary (a single run's has none).
pub fn add_split_record(summary: &mut Summary, split: &SplitRecord) {
    summary.split = Some(split.clone());
}

/// The `split` record of partials in shard order: the shard count, the unit (blocks of
/// [`BLOCK_PATHS`] paths, or policy points) and each shard's range.
pub fn split_record(partials: &[PartialManifest]) -> SplitRecord {
    let first = &partials[0];
    let spans = partials
        .iter()
        .map(|p| ShardSpan {
            shard: p.shard.to_string(),
            first: p.first,
            end: p.end,
            paths: p.path_range.map(|(a, b)| [a, b]),
        })
        .collect();
    let (unit, block_paths, blocks, points) = match first.kind {
        PartialKind::Run => ("block", Some(BLOCK_PATHS), Some(first.units), None),
        PartialKind::Frontier => ("point", None, None, Some(first.units)),
    };
    SplitRecord {
        command: "merge".into(),
        unit: unit.into(),
        block_paths,
        blocks,
        points,
        shards: partials.len(),
        partials: spans,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_tile_the_units_in_order() {
        for total in [0, 1, 3, 7, 10, 1000] {
            for count in [1, 2, 3, 7, 11] {
                let mut next = 0;
                for index in 0..count {
                    let range = Share::new(index, count).unwrap().range(total);
                    assert_eq!(range.start, next, "{index}/{count} of {total}");
                    assert!(range.len() == total / count || range.len() == total / count + 1);
                    next = range.end;
                }
                assert_eq!(next, total);
            }
        }
        // 3 blocks over 2 shards: the first gets the extra one; over 4, the last gets none
        assert_eq!(Share::new(0, 2).unwrap().range(3), 0..2);
        assert_eq!(Share::new(1, 2).unwrap().range(3), 2..3);
        assert_eq!(Share::new(2, 4).unwrap().range(3), 2..3);
        assert_eq!(Share::new(3, 4).unwrap().range(3), 3..3);
    }

    #[test]
    fn share_specs_parse_and_resolve() {
        assert_eq!(
            ShareSpec::parse("1/4"),
            Ok(ShareSpec::Given(Share::new(1, 4).unwrap()))
        );
        assert_eq!(ShareSpec::parse("auto/4"), Ok(ShareSpec::Auto { count: 4 }));
        for bad in ["4/4", "1", "a/4", "1/0", "-1/4", "auto/0", "1/200000"] {
            assert!(ShareSpec::parse(bad).is_err(), "{bad}");
        }
        let auto = ShareSpec::Auto { count: 4 };
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            auto.resolve("--shard", env(&[("JOB_COMPLETION_INDEX", "2")])),
            Ok(Share::new(2, 4).unwrap())
        );
        // Slurm's variable comes first
        assert_eq!(
            auto.resolve(
                "--shard",
                env(&[
                    ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
                    ("SLURM_ARRAY_TASK_ID", "3")
                ])
            ),
            Ok(Share::new(3, 4).unwrap())
        );
        let none = auto.resolve("--shard", env(&[])).unwrap_err();
        assert!(
            none.contains("SLURM_ARRAY_TASK_ID") && none.contains("--shard I/4"),
            "{none}"
        );
        let bad = auto
            .resolve("--shard", env(&[("SLURM_ARRAY_TASK_ID", "x")]))
            .unwrap_err();
        assert!(bad.contains("SLURM_ARRAY_TASK_ID=`x`"), "{bad}");
        let high = auto
            .resolve("--shard", env(&[("SLURM_ARRAY_TASK_ID", "4")]))
            .unwrap_err();
        assert!(
            high.contains("SLURM_ARRAY_TASK_ID=4") && high.contains("below"),
            "{high}"
        );
    }

    #[test]
    fn cbor_keeps_every_bit_of_a_float() {
        let values = vec![
            0.1,
            -0.0,
            f64::INFINITY,
            f64::MIN_POSITIVE / 3.0,
            1.0 / 3.0,
            1e300,
            0.5,
        ];
        let mut bytes = Vec::new();
        ciborium::into_writer(&values, &mut bytes).unwrap();
        let back: Vec<f64> = ciborium::from_reader(bytes.as_slice()).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&values));
    }
}
