//! Report folder (SPEC §8): CSV tables, `summary.json` with the run manifest, written into
//! a temporary folder that is renamed into place only when complete, so a folder under
//! `reports/` is either a whole run or absent.
//!
//! Last stage of the flow before `cli`.

pub mod deterministic;
pub mod manifest;
pub mod montecarlo;
pub mod sizing;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A report folder being written: files go to a hidden temporary sibling until
/// [`ReportDir::commit`] renames it to its final name.
#[derive(Debug)]
pub struct ReportDir {
    final_path: PathBuf,
    temp_path: PathBuf,
    committed: bool,
}

impl ReportDir {
    /// Starts a report folder that will become `final_path`.
    pub fn create(final_path: &Path) -> io::Result<ReportDir> {
        let parent = final_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)?;
        let name = final_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report".into());
        let temp_path = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if temp_path.exists() {
            fs::remove_dir_all(&temp_path)?;
        }
        fs::create_dir_all(&temp_path)?;
        Ok(ReportDir {
            final_path: final_path.to_path_buf(),
            temp_path,
            committed: false,
        })
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
        let mut file = io::BufWriter::new(fs::File::create(path)?);
        file.write_all(contents)?;
        file.flush()
    }

    /// Renames the complete folder into place, replacing an earlier run of the same name.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        if self.final_path.exists() {
            let old = self.temp_path.with_extension("old");
            fs::rename(&self.final_path, &old)?;
            fs::rename(&self.temp_path, &self.final_path)?;
            fs::remove_dir_all(&old)?;
        } else {
            fs::rename(&self.temp_path, &self.final_path)?;
        }
        self.committed = true;
        Ok(self.final_path.clone())
    }
}

impl Drop for ReportDir {
    fn drop(&mut self) {
        if !self.committed {
            // an abandoned run leaves nothing behind
            let _ = fs::remove_dir_all(&self.temp_path);
        }
    }
}

/// Money as written to files: rounded to cents.
pub fn cents(amount: f64) -> String {
    format!("{:.2}", amount)
}

/// Rates and shares as written to files: enough digits for a reviewer to recompute.
pub fn decimal(value: f64) -> String {
    format!("{:.10}", value)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_appears_only_when_committed() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("reports").join("base");
        {
            let dir = ReportDir::create(&target).unwrap();
            dir.write("a.csv", b"x").unwrap();
            assert!(!target.exists());
        }
        // dropped without commit: nothing left, not even the temporary folder
        assert_eq!(
            fs::read_dir(root.path().join("reports")).unwrap().count(),
            0
        );
        let dir = ReportDir::create(&target).unwrap();
        dir.write("a.csv", b"1").unwrap();
        dir.commit().unwrap();
        let dir = ReportDir::create(&target).unwrap();
        dir.write("b.csv", b"2").unwrap();
        dir.commit().unwrap();
        assert!(
            !target.join("a.csv").exists(),
            "a new run replaces the old folder whole"
        );
        assert_eq!(fs::read_to_string(target.join("b.csv")).unwrap(), "2");
        assert_eq!(
            fs::read_dir(root.path().join("reports")).unwrap().count(),
            1
        );
    }

    #[test]
    fn number_formats() {
        assert_eq!(cents(1_234.565_1), "1234.57");
        assert_eq!(decimal(0.051), "0.051");
        assert_eq!(decimal(2.0), "2");
    }
}
