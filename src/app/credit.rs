//! The credit jobs (SPEC §3): `gen-applicants`, `decide`, `fit` and
//! `gen-tape --from-applicants`, and the model and policy every one of them that decides uses.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use super::{AppError, failure};
use crate::credit::fit::history::{calibration_csv, calibration_path};
use crate::credit::{self, fit::fit_scorecard};
use crate::i18n::Lang;
use crate::report::terminal;
use crate::tape;

/// `gen-applicants`: `applicants` synthetic applicants written atomically.
pub fn gen_applicants(
    applicants: NonZeroUsize,
    seed: u64,
    with_outcomes: bool,
    out: &Path,
) -> Result<usize, AppError> {
    let population = credit::generate_applicants(applicants.get(), seed, with_outcomes);
    credit::write_applicants(out, &population)
        .map_err(|e| failure(&out.display().to_string(), e))?;
    Ok(population.len())
}

/// The model and policy a command uses: the files given, else the built-in ones.
pub fn load_model_and_policy(
    model: Option<&Path>,
    policy: Option<&Path>,
) -> Result<(credit::Scorecard, credit::Policy), AppError> {
    // an unreadable file named on the command line is the user's to fix, like a bad one;
    // both files are read so that the problems of both are reported at once
    let scorecard = model.map_or_else(
        || Ok(credit::Scorecard::built_in()),
        credit::Scorecard::read,
    );
    let policy = policy.map_or_else(|| Ok(credit::Policy::built_in()), credit::Policy::read);
    match (scorecard, policy) {
        (Ok(scorecard), Ok(policy)) => Ok((scorecard, policy)),
        (scorecard, policy) => Err(AppError::Input(
            [scorecard.err(), policy.err()]
                .into_iter()
                .flatten()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        )),
    }
}

pub(super) fn applicant_error(error: credit::ApplicantError) -> AppError {
    // a missing or unreadable input file is the user's to fix, like bad rows
    if error.is_bad_input() || matches!(error, credit::ApplicantError::Io { .. }) {
        AppError::Input(error.to_string())
    } else {
        AppError::Failure(anyhow::anyhow!(error.to_string()))
    }
}

/// `decide`: decisions with reasons and limits for every applicant of a file.
pub fn decide(
    applicants: &Path,
    model: Option<&Path>,
    policy: Option<&Path>,
    lang: Lang,
    out: &Path,
) -> Result<credit::DecisionSummary, AppError> {
    let (scorecard, policy) = load_model_and_policy(model, policy)?;
    credit::decide_file(applicants, &scorecard, &policy, lang, out).map_err(applicant_error)
}

/// What `fit` found, for the terminal.
pub struct FitReport {
    pub model_path: PathBuf,
    pub calibration_path: PathBuf,
    pub text: String,
    pub warnings: Vec<String>,
}

/// `fit`: maximum-likelihood fit of the scorecard's features on a labelled history; writes
/// the model and, beside it, its calibration table on the hold-out share.
pub fn fit(history: &Path, out: &Path, lang: Lang) -> Result<FitReport, AppError> {
    let file = credit::read_applicants(history).map_err(applicant_error)?;
    let label = history.display().to_string();
    let fitted = fit_scorecard(&file, &label).map_err(|e| AppError::Input(e.to_string()))?;
    let calibration_path = calibration_path(out);
    let calibration = calibration_csv(&fitted.calibration)
        .map_err(|e| failure(&calibration_path.display().to_string(), e))?;
    // the model and its calibration table appear together or not at all
    let model_text = fitted.scorecard.to_toml();
    crate::files::write_all_or_nothing(&[
        (out, model_text.as_bytes()),
        (&calibration_path, &calibration),
    ])
    .map_err(|(path, e)| failure(&path.display().to_string(), e))?;
    Ok(FitReport {
        model_path: out.to_path_buf(),
        text: terminal::fit_summary(&fitted, &label, &calibration_path, lang),
        calibration_path,
        warnings: file.warnings,
    })
}

/// `gen-tape --from-applicants`: decides on the applicants and originates one receivable per
/// approval, in the product, term and fee mix of the synthetic tape.
pub fn gen_tape_from_applicants(
    applicants: &Path,
    model: Option<&Path>,
    policy: Option<&Path>,
    seed: u64,
    out: &Path,
) -> Result<(usize, usize), AppError> {
    let (scorecard, policy) = load_model_and_policy(model, policy)?;
    let file = credit::read_applicants(applicants).map_err(applicant_error)?;
    let decisions = credit::decide_all(&file.applicants, &scorecard, &policy);
    let mix = credit::origination::OriginationMix::from_receivables(&tape::synthetic::generate(
        20_000, seed,
    ))
    .ok_or_else(|| AppError::Failure(anyhow::anyhow!("the synthetic mix is empty")))?;
    let receivables = credit::origination::originate(&file.applicants, &decisions, &mix, seed);
    if receivables.is_empty() {
        return Err(AppError::Input(format!(
            "{}: no applicant is approved under this policy, so there is nothing to originate",
            applicants.display()
        )));
    }
    tape::write_tape(out, &receivables).map_err(|e| failure(&out.display().to_string(), e))?;
    Ok((file.applicants.len(), receivables.len()))
}
