//! Writing the user's files without ever losing one: every file the tool writes appears whole
//! or not at all, and the tool deletes or moves only what it wrote itself.
//!
//! A file is written under a hidden temporary name beside its destination
//! (`.NAME.tmp-PID-N`, created exclusively, so no existing file is ever overwritten by the
//! temporary) and renamed over the destination when complete. A temporary left by a process
//! that was killed is recognised by its name and its dead PID and removed the next time the
//! same destination is written.
//!
//! Lowest layer of the flow: used by `tape`, `credit`, `report` and `app`.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes temporaries of one process (two files written at once by one run).
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// The folder a path lives in (`.` for a bare file name).
pub fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The prefix of every temporary the tool writes for `name`: `.NAME.tmp-`.
pub fn temporary_prefix(name: &std::ffi::OsStr) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".tmp-");
    prefix
}

/// Whether `entry` (a file name) is a temporary this tool wrote for `name`: `.NAME.tmp-`
/// followed by a PID, optionally `-N` and optionally `.prev`; returns the PID.
pub fn temporary_pid(entry: &std::ffi::OsStr, name: &std::ffi::OsStr) -> Option<u32> {
    let entry = entry.to_str()?;
    let prefix = temporary_prefix(name);
    let rest = entry.strip_prefix(prefix.to_str()?)?;
    let rest = rest.strip_suffix(".prev").unwrap_or(rest);
    let (pid, sequence) = rest.split_once('-').unwrap_or((rest, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (all_digits(pid) && all_digits(sequence))
        .then(|| pid.parse().ok())
        .flatten()
}

/// Whether a process with this PID is running (a PID that cannot be checked counts as alive,
/// so nothing of a live process is ever removed).
pub fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // SAFETY: kill with signal 0 only checks that the process exists.
        let result = unsafe { libc::kill(pid, 0) };
        result == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Removes the file temporaries that dead processes left beside `path` (best effort).
fn remove_stale_file_temporaries(path: &Path) {
    let (Some(name), Ok(entries)) = (path.file_name(), fs::read_dir(parent_of(path))) else {
        return;
    };
    for entry in entries.flatten() {
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && temporary_pid(&entry.file_name(), name).is_some_and(|pid| !process_alive(pid))
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// A fresh temporary name beside `path`: `.NAME.tmp-PID-N`, unique within this process.
pub fn temporary_path(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let mut temporary = temporary_prefix(name);
    temporary.push(format!(
        "{}-{}",
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    ));
    Ok(parent_of(path).join(temporary))
}

/// A new, exclusively created temporary file beside `path`.
fn create_temporary(path: &Path) -> io::Result<(PathBuf, File)> {
    loop {
        let temporary = temporary_path(path)?;
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
        {
            Ok(file) => return Ok((temporary, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Refuses a destination that is a folder (a rename would fail after all the work).
fn check_destination(path: &Path) -> io::Result<()> {
    if fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a folder; give a file name",
        ));
    }
    Ok(())
}

/// A file written under a temporary name, not yet in place. Dropping it removes the
/// temporary (which this process created).
#[derive(Debug)]
pub struct PendingFile {
    destination: PathBuf,
    temporary: Option<PathBuf>,
}

impl PendingFile {
    /// Creates the temporary file beside `destination`, to be written by the caller and then
    /// committed; dropping the `PendingFile` instead removes it.
    pub fn create(destination: &Path) -> io::Result<(PendingFile, File)> {
        check_destination(destination)?;
        remove_stale_file_temporaries(destination);
        let (temporary, file) = create_temporary(destination)?;
        Ok((
            PendingFile {
                destination: destination.to_path_buf(),
                temporary: Some(temporary),
            },
            file,
        ))
    }

    /// Writes the whole file under a temporary name beside `destination`.
    pub fn write(
        destination: &Path,
        write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
    ) -> io::Result<PendingFile> {
        let (pending, file) = PendingFile::create(destination)?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        write(&mut out)?;
        // No fsync: the rename already makes the file appear whole to every reader, and
        // forcing hundreds of MB to disk would double a command's time.
        out.into_inner().map_err(|e| e.into_error())?;
        Ok(pending)
    }

    /// Renames the temporary over the destination.
    pub fn commit(mut self) -> io::Result<()> {
        let temporary = self.temporary.take().expect("committed once");
        match fs::rename(&temporary, &self.destination) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = fs::remove_file(&temporary);
                Err(e)
            }
        }
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if let Some(temporary) = &self.temporary {
            let _ = fs::remove_file(temporary);
        }
    }
}

/// Writes a whole file atomically: the destination holds its old contents or the new ones,
/// never part of either; on failure nothing is left behind.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    PendingFile::write(path, write)?.commit()
}

/// Writes bytes to a file atomically (see [`write_atomically`]).
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomically(path, |out| out.write_all(bytes))
}

/// Writes several files all or nothing: every file is written completely under its
/// temporary name before the first is renamed into place, so a failure while writing (a full
/// disk, a destination that is a folder) leaves every destination as it was. Returns the
/// failing path with its error.
pub fn write_all_or_nothing(files: &[(&Path, &[u8])]) -> Result<(), (PathBuf, io::Error)> {
    for (path, _) in files {
        check_destination(path).map_err(|e| (path.to_path_buf(), e))?;
    }
    let mut pending = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        pending.push((
            path.to_path_buf(),
            PendingFile::write(path, |out| out.write_all(bytes))
                .map_err(|e| (path.to_path_buf(), e))?,
        ));
    }
    for (path, file) in pending {
        file.commit().map_err(|e| (path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_recognised_only_in_the_tool_s_form() {
        let name = std::ffi::OsStr::new("base");
        assert_eq!(temporary_pid(".base.tmp-123".as_ref(), name), Some(123));
        assert_eq!(temporary_pid(".base.tmp-123-4".as_ref(), name), Some(123));
        assert_eq!(
            temporary_pid(".base.tmp-123.prev".as_ref(), name),
            Some(123)
        );
        for other in [
            ".base.tmp-",
            ".base.tmp-x",
            ".base.tmp-12-",
            ".base.tmp-12.old",
            ".other.tmp-12",
            "base.tmp-12",
            ".base.tmp-notes",
        ] {
            assert_eq!(temporary_pid(other.as_ref(), name), None, "{other}");
        }
    }

    #[test]
    fn this_process_is_alive_and_an_unused_pid_is_not() {
        assert!(process_alive(std::process::id()));
        // PIDs above the kernel's maximum (4,194,304) are never in use
        assert!(!process_alive(4_194_305));
    }

    #[test]
    fn atomic_write_replaces_whole_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.toml");
        write_bytes_atomically(&path, b"old").unwrap();
        // a user's own file of the old temporary naming is never touched
        fs::write(dir.path().join("model.toml.tmp"), b"mine").unwrap();
        write_bytes_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["model.toml", "model.toml.tmp"]);
        assert_eq!(
            fs::read(dir.path().join("model.toml.tmp")).unwrap(),
            b"mine"
        );
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, b"old").unwrap();
        let result = write_atomically(&path, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(result.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let dead = dir.path().join(".out.csv.tmp-4194305-0");
        let live = dir
            .path()
            .join(format!(".out.csv.tmp-{}-999999", std::process::id()));
        fs::write(&dead, b"x").unwrap();
        fs::write(&live, b"x").unwrap();
        write_bytes_atomically(&path, b"new").unwrap();
        assert!(!dead.exists());
        assert!(live.exists(), "a live process's temporary is left alone");
    }

    #[test]
    fn all_or_nothing_writes_none_when_one_destination_is_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("model.toml");
        let table = dir.path().join("model_calibration.csv");
        fs::write(&model, b"old model").unwrap();
        fs::create_dir(&table).unwrap();
        let (failed, _) =
            write_all_or_nothing(&[(&model, b"new model"), (&table, b"bands")]).unwrap_err();
        assert_eq!(failed, table);
        assert_eq!(fs::read(&model).unwrap(), b"old model");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
        fs::remove_dir(&table).unwrap();
        write_all_or_nothing(&[(&model, b"new model"), (&table, b"bands")]).unwrap();
        assert_eq!(fs::read(&model).unwrap(), b"new model");
        assert_eq!(fs::read(&table).unwrap(), b"bands");
    }
}
