//! Credit model (SPEC §3): applicant features → score → PD, and fitting the model on history.
//!
//! Sits between the tape and the scenario in the data flow: the pool's default rates come from
//! the scores and PDs computed here.
//!
//! - [`fit`]: maximum-likelihood logistic regression by iteratively reweighted least squares on a
//!   numeric design (rows of transformed features), with standard errors and typed errors for
//!   separation and collinearity.
//! - [`performance`]: how well predicted PDs rank and match outcomes: AUC, KS, Gini, a
//!   calibration table by score band with Wilson intervals, and a deterministic hold-out split.

pub mod fit;
pub mod performance;
