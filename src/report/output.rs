//! Writing a report folder (SPEC §8) without ever losing a user's file.
//!
//! The rule: a report is written only into a folder that does not exist, is empty, or holds
//! an earlier report of the tool (recognised by its `manifest.json`, or for folders of
//! earlier versions by `summary.json`'s manifest), which it replaces. Anything else is
//! refused before any work starts, and left untouched.
//!
//! How a report replaces the earlier one, crash-safely:
//! 1. a lock file `.NAME.lock` beside the folder is held for the whole run, so two runs into
//!    one folder do not interleave (the second is told at once);
//! 2. under the lock, temporaries of dead runs (`.NAME.tmp-PID…`) are removed, and an earlier
//!    report that a killed run had moved aside (`.NAME.tmp-PID….prev`) is put back;
//! 3. the files are written into `.NAME.tmp-PID-N`, and `manifest.json` lists them;
//! 4. the complete folder is swapped with the earlier report in one atomic step
//!    (`renameat2(RENAME_EXCHANGE)` on Linux) and the earlier report, now under the
//!    temporary name, is removed. Where the file system cannot swap, the earlier report is
//!    renamed aside to `….prev` first; a kill in between is repaired by step 2 of the next run.
//!
//! At every instant the folder's name holds either the whole earlier report or the whole new
//! one, and whatever a killed run leaves behind is cleaned by the next run into the folder.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::manifest::{TOOL_NAME, TOOL_VERSION};
use crate::files::{parent_of, process_alive, temporary_path, temporary_pid};

/// The file that marks a folder as a report of this tool and lists what the tool wrote there.
pub const MANIFEST_FILE: &str = "manifest.json";

/// What kind of report a folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Run,
    Frontier,
    Compare,
    Grid,
    /// `calibrate`: calibration.toml, calibration.json, vintages.csv (SPEC §4.6).
    Calibration,
    /// One shard's partial of a run or a frontier (`--partial-out`, SPEC §9). A partial
    /// replaces only a partial, and a report only a report: a shard pointed at a report
    /// folder by mistake is refused, not let to replace the report.
    Partial,
}

/// `manifest.json`: the tool that wrote the folder and every file it wrote there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FolderManifest {
    pub tool: String,
    pub version: String,
    pub kind: ReportKind,
    /// Paths relative to the folder, `/`-separated, sorted; `manifest.json` itself excluded.
    pub files: Vec<String>,
}

/// Why a report folder cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The destination is not one the tool may write into (bad usage: exit 2).
    #[error("{}: {rule}", .path.display())]
    Refused { path: PathBuf, rule: String },
    /// Another run is writing the same folder now (exit 2: run again later or elsewhere).
    #[error(
        "{}: another baitiao-abs run is writing this report folder now; wait for it to finish or give another --out",
        .path.display()
    )]
    Busy { path: PathBuf },
    /// Writing failed (a full disk, no permission).
    #[error("{}: cannot write: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl OutputError {
    /// Whether the user must change the command (refused or busy folder) rather than the
    /// machine (I/O failure).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, OutputError::Io { .. })
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn refused(path: &Path, rule: impl Into<String>) -> OutputError {
    OutputError::Refused {
        path: path.to_path_buf(),
        rule: rule.into(),
    }
}

/// What is at the destination now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Existing {
    Absent,
    Empty,
    Report,
}

/// Every file under `dir`, relative and `/`-separated, sorted; `None` when something in it
/// is neither a file nor a folder (a symbolic link, a socket), which the tool never writes.
fn files_under(dir: &Path) -> io::Result<Result<Vec<String>, String>> {
    fn walk(
        root: &Path,
        dir: &Path,
        files: &mut Vec<String>,
        odd: &mut Option<String>,
    ) -> io::Result<()> {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if kind.is_dir() {
                walk(root, &path, files, odd)?;
            } else if kind.is_file() {
                files.push(relative);
            } else if odd.is_none() {
                *odd = Some(relative);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    let mut odd = None;
    walk(dir, dir, &mut files, &mut odd)?;
    files.sort();
    Ok(match odd {
        Some(odd) => Err(odd),
        None => Ok(files),
    })
}

/// Files that a report of an earlier version (before `manifest.json`) could hold.
fn legacy_report_file(file: &str) -> bool {
    let extension = |name: &str, allowed: &[&str]| {
        Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| allowed.contains(&e))
    };
    match file.split_once('/') {
        None => extension(file, &["csv", "json", "html", "toml"]),
        Some(("charts", chart)) => !chart.contains('/') && extension(chart, &["png", "svg"]),
        Some(_) => false,
    }
}

/// Whether a folder of an earlier version is a report: its `summary.json` names the tool, or
/// it holds a comparison.
fn legacy_report(dir: &Path) -> bool {
    /// Only the manifest of a `summary.json`: an earlier version's other blocks may not fit
    /// today's schema.
    #[derive(serde::Deserialize)]
    struct ManifestOnly {
        manifest: super::manifest::Manifest,
    }
    let summary_names_tool = fs::read(dir.join("summary.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<ManifestOnly>(&bytes).ok())
        .is_some_and(|summary| summary.manifest.tool == TOOL_NAME);
    summary_names_tool
        || (dir.join("comparison.csv").is_file() && dir.join("comparison.html").is_file())
}

/// Lists up to three names, and how many more.
fn some_of(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(3).map(|n| format!("`{n}`")).collect();
    match names.len() {
        n if n > 3 => format!("{} and {} more", shown.join(", "), n - 3),
        _ => shown.join(", "),
    }
}

/// Decides whether the tool may write a folder of `kind` at `path` (see the module's rule).
fn inspect(path: &Path, kind: ReportKind) -> Result<Existing, OutputError> {
    let metadata = match fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Existing::Absent),
        Err(e) => return Err(io_error(path)(e)),
    };
    if !metadata.is_dir() {
        return Err(refused(
            path,
            "is a file, not a folder; a report is written into a new or empty folder or over an earlier report: give another --out",
        ));
    }
    let files = match files_under(path).map_err(io_error(path))? {
        Ok(files) => files,
        Err(odd) => {
            return Err(refused(
                path,
                format!(
                    "holds `{odd}`, which is not a plain file; a report is written into a new or empty folder or over an earlier report: give another --out"
                ),
            ));
        }
    };
    let has_entries = fs::read_dir(path).map_err(io_error(path))?.next().is_some();
    if !has_entries {
        return Ok(Existing::Empty);
    }
    let manifest = fs::read(path.join(MANIFEST_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<FolderManifest>(&bytes).ok())
        .filter(|m| m.tool == TOOL_NAME);
    let existing_partial = manifest
        .as_ref()
        .is_some_and(|m| m.kind == ReportKind::Partial);
    if existing_partial != (kind == ReportKind::Partial) {
        let rule = if existing_partial {
            "holds a shard's partial (`run --shard ... --partial-out`), which only another partial replaces: give another --out"
        } else {
            "holds a baitiao-abs report, which a shard's partial does not replace: give another --partial-out"
        };
        return Err(refused(path, rule));
    }
    let foreign: Vec<String> = match &manifest {
        Some(manifest) => {
            let written: BTreeSet<&str> = manifest.files.iter().map(String::as_str).collect();
            files
                .iter()
                .filter(|f| f.as_str() != MANIFEST_FILE && !written.contains(f.as_str()))
                .cloned()
                .collect()
        }
        None if legacy_report(path) => files
            .iter()
            .filter(|f| !legacy_report_file(f))
            .cloned()
            .collect(),
        None => {
            let mut top: Vec<String> = fs::read_dir(path)
                .map_err(io_error(path))?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            top.sort();
            return Err(refused(
                path,
                format!(
                    "the folder exists and is not a baitiao-abs report (it holds {}); a report is written only into a new or empty folder or over an earlier report, so nothing was written: give another --out",
                    some_of(&top)
                ),
            ));
        }
    };
    if foreign.is_empty() {
        Ok(Existing::Report)
    } else {
        Err(refused(
            path,
            format!(
                "this earlier report also holds {}, which no run wrote; replacing the report would delete it: move it out of the folder or give another --out",
                some_of(&foreign)
            ),
        ))
    }
}

/// An exclusive lock on writing one report folder, held until dropped: the lock file
/// `.NAME.lock` beside the folder, removed again when released.
#[derive(Debug)]
struct FolderLock {
    path: PathBuf,
    file: File,
}

impl FolderLock {
    fn acquire(folder: &Path, lock_path: PathBuf) -> Result<FolderLock, OutputError> {
        loop {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&lock_path)
                .map_err(io_error(&lock_path))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(OutputError::Busy {
                        path: folder.to_path_buf(),
                    });
                }
                Err(fs::TryLockError::Error(e)) => return Err(io_error(&lock_path)(e)),
            }
            // The holder before us removes the file as it releases it: the lock counts only
            // if the name still points at the file we locked.
            if same_file(&file, &lock_path) {
                return Ok(FolderLock {
                    path: lock_path,
                    file,
                });
            }
        }
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // removed while still held, so a waiting process re-opens a fresh file
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Swaps two folders atomically; `Ok(false)` when the file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let b = CString::new(b.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: both are valid NUL-terminated paths; renameat2 only reads them.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        return Ok(true);
    }
    let error = io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(error),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
    Ok(false)
}

/// The `.prev` name under which the fallback keeps the earlier report for a moment.
fn previous_path(temporary: &Path) -> PathBuf {
    let mut name = temporary.as_os_str().to_owned();
    name.push(".prev");
    PathBuf::from(name)
}

/// Puts the complete folder `temporary` at `destination`, replacing an earlier report there,
/// so that the name always holds one whole report. `swap` off forces the rename-aside
/// fallback (for the file systems that cannot swap, and for its test).
fn replace(temporary: &Path, destination: &Path, swap: bool) -> io::Result<()> {
    if swap && exchange(temporary, destination)? {
        // the earlier report is now under the temporary name
        return fs::remove_dir_all(temporary);
    }
    let previous = previous_path(temporary);
    fs::rename(destination, &previous)?;
    if let Err(e) = fs::rename(temporary, destination) {
        let _ = fs::rename(&previous, destination);
        return Err(e);
    }
    fs::remove_dir_all(&previous)
}

/// A report folder being written: files go to a hidden temporary folder beside the
/// destination until [`ReportDir::commit`] puts it in place (see the module's documentation).
#[derive(Debug)]
pub struct ReportDir {
    final_path: PathBuf,
    temp_path: PathBuf,
    kind: ReportKind,
    committed: bool,
    /// Folders above the report that did not exist and were made for it, outermost first:
    /// removed again (when empty) if the report is abandoned.
    created_folders: Vec<PathBuf>,
    // dropped after the temporary folder is removed (fields drop after `Drop::drop`)
    _lock: FolderLock,
}

impl ReportDir {
    /// Checks that a report of `kind` may be written at `final_path`, takes the folder's
    /// lock, cleans what killed runs left, and starts the temporary folder. Call it before
    /// the work, so a refused or unwritable destination is reported at once.
    pub fn create(final_path: &Path, kind: ReportKind) -> Result<ReportDir, OutputError> {
        let final_path = resolve(final_path)?;
        inspect(&final_path, kind)?;
        let parent = parent_of(&final_path).to_path_buf();
        let created_folders = create_folders(&parent).map_err(io_error(&parent))?;
        let name = final_path
            .file_name()
            .ok_or_else(|| refused(&final_path, "names no folder: give a folder name"))?
            .to_os_string();
        let mut lock_name = std::ffi::OsString::from(".");
        lock_name.push(&name);
        lock_name.push(".lock");
        let started = (|| {
            let lock = FolderLock::acquire(&final_path, parent.join(lock_name))?;
            clean_after_killed_runs(&parent, &name, &final_path).map_err(io_error(&parent))?;
            inspect(&final_path, kind)?;
            let temp_path = temporary_path(&final_path).map_err(io_error(&final_path))?;
            fs::create_dir(&temp_path).map_err(io_error(&temp_path))?;
            Ok((lock, temp_path))
        })();
        match started {
            Ok((lock, temp_path)) => Ok(ReportDir {
                final_path,
                temp_path,
                kind,
                committed: false,
                created_folders,
                _lock: lock,
            }),
            Err(error) => {
                remove_created_folders(&created_folders);
                Err(error)
            }
        }
    }

    /// The folder the report will have when committed.
    pub fn final_path(&self) -> &Path {
        &self.final_path
    }

    /// The temporary folder being written (put in place by [`ReportDir::commit`]).
    pub fn path(&self) -> &Path {
        &self.temp_path
    }

    /// Path of a file inside the (temporary) folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.temp_path.join(name)
    }

    /// Writes a whole file inside the folder.
    pub fn write(&self, name: &str, contents: &[u8]) -> io::Result<()> {
        let path = self.file(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut file = io::BufWriter::new(File::create(path)?);
        file.write_all(contents)?;
        file.flush()
    }

    /// Writes `manifest.json` and puts the complete folder in place, replacing the earlier
    /// report. Returns the folder's path.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        self.commit_with(true)
    }

    fn commit_with(mut self, swap: bool) -> Result<PathBuf, OutputError> {
        let files = files_under(&self.temp_path)
            .map_err(io_error(&self.temp_path))?
            .unwrap_or_else(|odd| vec![odd]);
        let manifest = FolderManifest {
            tool: TOOL_NAME.into(),
            version: TOOL_VERSION.into(),
            kind: self.kind,
            files: files.into_iter().filter(|f| f != MANIFEST_FILE).collect(),
        };
        let mut bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| OutputError::Io {
            path: self.file(MANIFEST_FILE),
            source: io::Error::other(e),
        })?;
        bytes.push(b'\n');
        self.write(MANIFEST_FILE, &bytes)
            .map_err(io_error(&self.file(MANIFEST_FILE)))?;
        // checked again: a file may have been put into the folder during the run
        let result = match inspect(&self.final_path, self.kind)? {
            Existing::Absent | Existing::Empty => fs::rename(&self.temp_path, &self.final_path),
            Existing::Report => replace(&self.temp_path, &self.final_path, swap),
        };
        result.map_err(io_error(&self.final_path))?;
        self.committed = true;
        Ok(self.final_path.clone())
    }
}

impl Drop for ReportDir {
    fn drop(&mut self) {
        if !self.committed {
            // an abandoned run leaves nothing behind
            let _ = fs::remove_dir_all(&self.temp_path);
            // the lock file goes with the lock, before the folders made for it
            let lock_path = self._lock.path.clone();
            let _ = fs::remove_file(lock_path);
            remove_created_folders(&self.created_folders);
        }
    }
}

/// Makes `folder` and the folders above it that are missing; returns those it made,
/// outermost first.
fn create_folders(folder: &Path) -> io::Result<Vec<PathBuf>> {
    let mut missing: Vec<PathBuf> = folder
        .ancestors()
        .take_while(|f| !f.as_os_str().is_empty() && fs::symlink_metadata(f).is_err())
        .map(Path::to_path_buf)
        .collect();
    missing.reverse();
    fs::create_dir_all(folder)?;
    Ok(missing)
}

/// Removes folders made by [`create_folders`], innermost first, each only if still empty.
fn remove_created_folders(folders: &[PathBuf]) {
    for folder in folders.iter().rev() {
        let _ = fs::remove_dir(folder);
    }
}

/// The destination as written to: a symbolic link to a folder is followed (the report goes
/// where it points); `.` and other names without a last component become the real folder,
/// so the rule is applied to it.
fn resolve(path: &Path) -> Result<PathBuf, OutputError> {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link || path.file_name().is_none() {
        return fs::canonicalize(path).map_err(|e| {
            refused(
                path,
                format!("cannot be resolved to a folder ({e}): give another --out"),
            )
        });
    }
    Ok(path.to_path_buf())
}

/// Under the lock: removes the temporary folders of runs that were killed and puts back an
/// earlier report that a killed run had moved aside.
fn clean_after_killed_runs(
    parent: &Path,
    name: &std::ffi::OsStr,
    final_path: &Path,
) -> io::Result<()> {
    let mut stale: Vec<PathBuf> = Vec::new();
    for entry in fs::read_dir(parent)? {
        let entry = entry?;
        let dead = temporary_pid(&entry.file_name(), name).is_some_and(|pid| !process_alive(pid));
        if dead && entry.file_type()?.is_dir() {
            stale.push(entry.path());
        }
    }
    stale.sort();
    for path in stale {
        let moved_aside = path.extension().is_some_and(|e| e == "prev");
        if moved_aside && fs::symlink_metadata(final_path).is_err() {
            fs::rename(&path, final_path)?;
        } else {
            fs::remove_dir_all(&path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn report(target: &Path, contents: &str) -> PathBuf {
        let dir = ReportDir::create(target, ReportKind::Run).unwrap();
        dir.write("summary.json", contents.as_bytes()).unwrap();
        dir.write("charts/a.png", b"png").unwrap();
        dir.commit().unwrap()
    }

    #[test]
    fn folder_appears_only_when_committed_and_replaces_the_earlier_report() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("reports").join("base");
        {
            let dir = ReportDir::create(&target, ReportKind::Run).unwrap();
            dir.write("a.csv", b"x").unwrap();
            assert!(!target.exists());
        }
        // dropped without commit: nothing left, not the temporary folder, not the lock, not
        // the `reports` folder made for it
        assert!(names(root.path()).is_empty());
        report(&target, "1");
        let dir = ReportDir::create(&target, ReportKind::Run).unwrap();
        dir.write("b.csv", b"2").unwrap();
        dir.commit().unwrap();
        assert_eq!(names(&target), ["b.csv", "manifest.json"]);
        assert_eq!(names(&root.path().join("reports")), ["base"]);
        let manifest: FolderManifest =
            serde_json::from_slice(&fs::read(target.join(MANIFEST_FILE)).unwrap()).unwrap();
        assert_eq!(manifest.files, ["b.csv"]);
        assert_eq!(manifest.kind, ReportKind::Run);
    }

    #[test]
    fn an_abandoned_report_removes_the_folders_made_for_it() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir(root.path().join("mine")).unwrap();
        let dir = ReportDir::create(&root.path().join("mine/a/b/base"), ReportKind::Run).unwrap();
        assert!(root.path().join("mine/a/b").is_dir());
        drop(dir);
        assert_eq!(names(root.path()), ["mine"]);
        assert!(names(&root.path().join("mine")).is_empty());
    }

    #[test]
    fn the_fallback_without_an_atomic_swap_replaces_the_report_too() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("base");
        report(&target, "1");
        let dir = ReportDir::create(&target, ReportKind::Run).unwrap();
        dir.write("summary.json", b"2").unwrap();
        dir.commit_with(false).unwrap();
        assert_eq!(fs::read(target.join("summary.json")).unwrap(), b"2");
        assert_eq!(names(root.path()), ["base"]);
    }

    #[test]
    fn a_folder_that_is_not_a_report_is_refused_and_left_untouched() {
        let root = tempfile::tempdir().unwrap();
        let project = root.path().join("proj");
        fs::create_dir(&project).unwrap();
        fs::write(project.join("s.toml"), b"name = 's'").unwrap();
        fs::write(project.join("tape.csv"), b"id").unwrap();
        let error = ReportDir::create(&project, ReportKind::Run).unwrap_err();
        assert!(error.is_bad_input());
        let message = error.to_string();
        assert!(
            message.contains("not a baitiao-abs report") && message.contains("`s.toml`"),
            "{message}"
        );
        assert_eq!(names(&project), ["s.toml", "tape.csv"]);
        assert_eq!(names(root.path()), ["proj"], "no lock or temporary left");
    }

    #[test]
    fn the_current_folder_is_refused() {
        // `--out .` names the folder the user works in: resolved, then refused like any other
        let error = ReportDir::create(Path::new("."), ReportKind::Run).unwrap_err();
        assert!(
            error.to_string().contains("not a baitiao-abs report"),
            "{error}"
        );
    }

    #[test]
    fn a_file_is_refused_and_not_moved() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("afile.txt");
        fs::write(&file, b"mine").unwrap();
        let error = ReportDir::create(&file, ReportKind::Compare).unwrap_err();
        assert!(
            error.to_string().contains("is a file, not a folder"),
            "{error}"
        );
        assert_eq!(names(root.path()), ["afile.txt"]);
        assert_eq!(fs::read(&file).unwrap(), b"mine");
    }

    #[test]
    fn an_empty_folder_is_used() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("empty");
        fs::create_dir(&target).unwrap();
        report(&target, "1");
        assert_eq!(names(&target), ["charts", "manifest.json", "summary.json"]);
    }

    #[test]
    fn a_report_holding_a_user_s_file_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("base");
        report(&target, "1");
        fs::write(target.join("notes.txt"), b"mine").unwrap();
        let error = ReportDir::create(&target, ReportKind::Run).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`notes.txt`, which no run wrote"),
            "{error}"
        );
        assert_eq!(fs::read(target.join("notes.txt")).unwrap(), b"mine");
    }

    #[test]
    fn a_report_of_an_earlier_version_is_recognised_by_its_summary() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("base");
        fs::create_dir_all(target.join("charts")).unwrap();
        fs::write(
            target.join("summary.json"),
            br#"{"manifest": {"tool": "baitiao-abs"}}"#,
        )
        .unwrap();
        fs::write(target.join("tranches.csv"), b"x").unwrap();
        fs::write(target.join("charts/loss.svg"), b"x").unwrap();
        report(&target, "new");
        assert_eq!(fs::read(target.join("summary.json")).unwrap(), b"new");
        // another tool's summary is not ours
        let other = root.path().join("other");
        fs::create_dir(&other).unwrap();
        fs::write(
            other.join("summary.json"),
            br#"{"manifest": {"tool": "x"}}"#,
        )
        .unwrap();
        assert!(ReportDir::create(&other, ReportKind::Run).is_err());
    }

    #[test]
    fn a_partial_replaces_only_a_partial_and_a_report_only_a_report() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("base");
        report(&target, "1");
        let error = ReportDir::create(&target, ReportKind::Partial).unwrap_err();
        assert!(error.is_bad_input());
        assert!(error.to_string().contains("--partial-out"), "{error}");
        let partial = root.path().join("shard0");
        let dir = ReportDir::create(&partial, ReportKind::Partial).unwrap();
        dir.write("partial.json", b"{}").unwrap();
        dir.commit().unwrap();
        let error = ReportDir::create(&partial, ReportKind::Run).unwrap_err();
        assert!(
            error.to_string().contains("only another partial"),
            "{error}"
        );
        // a rerun of the shard replaces its partial
        let dir = ReportDir::create(&partial, ReportKind::Partial).unwrap();
        dir.write("partial.json", b"2").unwrap();
        dir.commit().unwrap();
        assert_eq!(fs::read(partial.join("partial.json")).unwrap(), b"2");
        assert_eq!(fs::read(target.join("summary.json")).unwrap(), b"1");
    }

    #[test]
    fn a_second_writer_is_told_the_folder_is_busy() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("base");
        let first = ReportDir::create(&target, ReportKind::Run).unwrap();
        let error = ReportDir::create(&target, ReportKind::Run).unwrap_err();
        assert!(matches!(error, OutputError::Busy { .. }), "{error}");
        assert!(error.to_string().contains("another baitiao-abs run"));
        first.commit().unwrap();
        // released: the next writer goes ahead
        report(&target, "2");
        assert_eq!(names(root.path()), ["base"]);
    }

    #[test]
    fn what_killed_runs_left_is_cleaned_and_a_moved_report_put_back() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("base");
        report(&target, "earlier");
        // a run killed after moving the earlier report aside (fallback path) and one killed
        // while writing; PID 4194305 is above the kernel's maximum, so never alive
        fs::rename(&target, root.path().join(".base.tmp-4194305-0.prev")).unwrap();
        fs::create_dir(root.path().join(".base.tmp-4194305-1")).unwrap();
        fs::write(root.path().join(".base.tmp-4194305-1/half.csv"), b"x").unwrap();
        // and a user's folder that merely looks alike
        fs::create_dir(root.path().join(".base.tmp-notes")).unwrap();
        let dir = ReportDir::create(&target, ReportKind::Run).unwrap();
        assert_eq!(fs::read(target.join("summary.json")).unwrap(), b"earlier");
        drop(dir);
        assert_eq!(names(root.path()), [".base.tmp-notes", "base"]);
    }
}
