//! The run manifest stamped on every report: tool version, seed, paths and a digest of
//! every input file, so a reader can tell whether two reports came from the same inputs.
//! No clock time: the same inputs and seed give the same bytes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Tool name and version, from the package.
pub const TOOL_NAME: &str = env!("CARGO_PKG_NAME");
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// SHA-256 over labelled inputs (each label and content length-prefixed, so moving bytes
/// from one input to the next changes the digest).
#[derive(Debug, Clone, Default)]
pub struct InputDigest {
    hasher: Sha256,
    inputs: Vec<String>,
}

impl InputDigest {
    pub fn add(&mut self, label: &str, contents: &[u8]) {
        self.hasher.update((label.len() as u64).to_le_bytes());
        self.hasher.update(label.as_bytes());
        self.hasher.update((contents.len() as u64).to_le_bytes());
        self.hasher.update(contents);
        self.inputs.push(label.to_string());
    }

    /// Adds a file's contents, streamed (tapes can be large).
    pub fn add_file(&mut self, label: &str, path: &std::path::Path) -> std::io::Result<()> {
        let mut file = std::fs::File::open(path)?;
        let length = file.metadata()?.len();
        self.hasher.update((label.len() as u64).to_le_bytes());
        self.hasher.update(label.as_bytes());
        self.hasher.update(length.to_le_bytes());
        std::io::copy(&mut file, &mut self.hasher)?;
        self.inputs.push(label.to_string());
        Ok(())
    }

    /// Hex digest and the labels that went into it.
    pub fn finish(self) -> (String, Vec<String>) {
        let bytes = self.hasher.finalize();
        let hex = bytes.iter().map(|b| format!("{b:02x}")).collect();
        (hex, self.inputs)
    }
}

/// The manifest block of `summary.json`. Every folder's has every key; a key missing from a
/// hand-made summary reads as empty (0 for the numbers).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    pub scenario: String,
    pub inputs_digest: String,
    /// What the digest covers.
    pub inputs: Vec<String>,
    pub seed: u64,
    pub paths: usize,
}

impl Manifest {
    /// The manifest of a folder of this tool: the scenario, the digest of its inputs, and the
    /// seed and paths it ran with.
    pub fn new(scenario: &str, inputs: InputDigest, seed: u64, paths: usize) -> Manifest {
        let (inputs_digest, inputs) = inputs.finish();
        Manifest {
            tool: TOOL_NAME.into(),
            version: TOOL_VERSION.into(),
            scenario: scenario.into(),
            inputs_digest,
            inputs,
            seed,
            paths,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_sha256_of_the_framed_inputs() {
        let mut a = InputDigest::default();
        a.add("x", b"ab");
        let mut b = InputDigest::default();
        b.add("x", b"a");
        assert_ne!(a.clone().finish().0, b.finish().0);
        let (hex, labels) = a.finish();
        assert_eq!(hex.len(), 64);
        assert_eq!(labels, vec!["x"]);
        // a file digests like its bytes
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"ab").unwrap();
        let mut c = InputDigest::default();
        c.add_file("x", &path).unwrap();
        let mut d = InputDigest::default();
        d.add("x", b"ab");
        assert_eq!(c.finish().0, d.finish().0);
        // SHA-256 of the empty string, to pin the algorithm
        let empty: String = Sha256::digest(b"")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            empty,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
