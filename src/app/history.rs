//! The static-pool history job (SPEC §2.4, §4.6): `gen-history`, synthetic history from the
//! true model of [`crate::history::generate`], with the truth beside it.

use std::path::{Path, PathBuf};

use super::{AppError, failure};
use crate::history::{self, TrueModel};
use crate::tape::problems::toml_problem;

/// What `gen-history` is asked for; the flags override the parameters file, which overrides
/// the defaults.
#[derive(Debug, Clone)]
pub struct GenHistoryRequest {
    pub out: PathBuf,
    pub seed: u64,
    pub vintages: Option<usize>,
    pub truth: Option<PathBuf>,
    pub expected: bool,
    pub params: Option<PathBuf>,
}

/// What `gen-history` wrote, for the terminal.
#[derive(Debug, Clone)]
pub struct GenHistoryReport {
    pub vintages: usize,
    pub rows: usize,
    pub data_date: String,
}

/// `gen-history`: the history (and the truth, with `--truth`), each file whole or not at
/// all. Bad parameters are input errors (exit 2) naming the file and the key.
pub fn gen_history(request: &GenHistoryRequest) -> Result<GenHistoryReport, AppError> {
    let mut model = match &request.params {
        Some(path) => load_model(path)?,
        None => TrueModel::default(),
    };
    if let Some(vintages) = request.vintages {
        model.vintages = vintages;
    }
    let problems = model.problems();
    if !problems.is_empty() {
        let source = request.params.as_ref().map_or_else(
            || "the true model".to_owned(),
            |path| path.display().to_string(),
        );
        return Err(AppError::Input(
            problems
                .iter()
                .map(|p| format!("{source}: {p}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    let (history, truth) = history::generate(&model, request.seed, request.expected);
    history::write_history(&history, &request.out)
        .map_err(|e| failure(&request.out.display().to_string(), e))?;
    if let Some(path) = &request.truth {
        let mut bytes = serde_json::to_vec_pretty(&truth)
            .map_err(|e| failure(&path.display().to_string(), e))?;
        bytes.push(b'\n');
        crate::files::write_bytes_atomically(path, &bytes)
            .map_err(|e| failure(&path.display().to_string(), e))?;
    }
    Ok(GenHistoryReport {
        vintages: history.vintages.len(),
        rows: history.vintages.iter().map(|v| v.months.len()).sum(),
        data_date: truth.data_date,
    })
}

/// A `--params` file: a TOML [`TrueModel`], every key optional.
fn load_model(path: &Path) -> Result<TrueModel, AppError> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::Input(format!("{label}: cannot read the parameters: {e}")))?;
    toml::from_str(&text).map_err(|e| AppError::Input(toml_problem(&label, &text, &e)))
}
