//! `[assumptions]`: PD multiplier, correlation or segments, prepayment, recoveries, and
//! the values a calibration file supplies.

use super::*;

impl Checker<'_> {
    pub(super) fn assumptions(&mut self, raw: Option<RawAssumptions>) -> Option<Assumptions> {
        let raw = self.required(
            "assumptions",
            raw,
            "an `[assumptions]` table with at least `correlation`, `cpr` and `recovery_rate`, or a `calibration` file",
        )?;
        let (raw, calibration) = match raw.calibration.clone() {
            Some(relative) => {
                let (raw, used) = self.calibrated(raw, &relative)?;
                (raw, Some(used))
            }
            None => (raw, None),
        };
        let pd_multiplier = self.real_or(
            "assumptions.pd_multiplier",
            raw.pd_multiplier,
            1.0,
            Interval::POSITIVE,
        );
        let correlation = self
            .required(
                "assumptions.correlation",
                raw.correlation,
                "the asset correlation ρ, in [0, 1)",
            )
            .and_then(|rho| self.real("assumptions.correlation", rho, Interval::UNIT_HALF_OPEN));
        let prepayment = self.prepayment(raw.cpr, raw.cpr_by_term);
        let recovery_rate = self
            .required(
                "assumptions.recovery_rate",
                raw.recovery_rate,
                "the share of a defaulted balance recovered, in [0, 1]",
            )
            .and_then(|rate| self.real("assumptions.recovery_rate", rate, Interval::UNIT_CLOSED));
        let recovery_lag_months = self
            .integer(
                "assumptions.recovery_lag_months",
                raw.recovery_lag_months.unwrap_or(0),
                0,
                MAX_MONTHS,
            )
            .and_then(|lag| u32::try_from(lag).ok());
        let yield_haircut = self.real_or(
            "assumptions.yield_haircut",
            raw.yield_haircut,
            0.0,
            Interval::UNIT_HALF_OPEN,
        );
        let segments = match raw.segments {
            Some(segments) => self.segments(segments).map(Some),
            None => Some(None),
        };
        Some(Assumptions {
            pd_multiplier: pd_multiplier?,
            correlation: correlation?,
            prepayment: prepayment?,
            recovery_rate: recovery_rate?,
            recovery_lag_months: recovery_lag_months?,
            yield_haircut: yield_haircut?,
            segments: segments?,
            calibration,
        })
    }

    /// `[assumptions]` with the keys it leaves out filled from its `calibration` file
    /// (SPEC §4.6): `correlation` ← ρ, `pd_multiplier` ← the PD scale, `cpr` (unless
    /// `cpr_by_term` is given) ← the annual CPR, `recovery_rate` and `recovery_lag_months`;
    /// a key the scenario gives overrides the calibrated value. Values from the file are
    /// checked like the scenario's own.
    pub(super) fn calibrated(
        &mut self,
        mut raw: RawAssumptions,
        relative: &str,
    ) -> Option<(RawAssumptions, CalibrationUse)> {
        let key = "assumptions.calibration";
        let file = self.existing_file(key, relative)?;
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) => {
                self.problem(key, format!("`{}` cannot be read: {e}", file.display()));
                return None;
            }
        };
        let calibration: CalibrationFile = match toml::from_str(&text) {
            Ok(c) => c,
            Err(e) => {
                // the problem is the calibration file's own, at its line and column
                self.problems.push(format!(
                    "{} (named by {}: `{key}`; a calibration file is written by `calibrate`)",
                    toml_problem(&file.display().to_string(), &text, &e),
                    self.file
                ));
                return None;
            }
        };
        let all = &calibration.all;
        let mut calibrated = Vec::new();
        let mut overridden = Vec::new();
        let mut take = |given: bool, name: &'static str| {
            if given {
                overridden.push(name);
            } else {
                calibrated.push(name);
            }
            !given
        };
        if take(raw.correlation.is_some(), "correlation") {
            raw.correlation = Some(all.rho);
        }
        if take(raw.pd_multiplier.is_some(), "pd_multiplier") {
            raw.pd_multiplier = Some(all.pd_scale);
        }
        if take(raw.cpr.is_some() || raw.cpr_by_term.is_some(), "cpr") {
            raw.cpr = Some(all.cpr);
        }
        if take(raw.recovery_rate.is_some(), "recovery_rate") {
            raw.recovery_rate = Some(all.recovery_rate);
        }
        if take(raw.recovery_lag_months.is_some(), "recovery_lag_months") {
            raw.recovery_lag_months = Some(i64::from(all.recovery_lag_months));
        }
        let used = CalibrationUse {
            file,
            history: calibration.source.history.clone(),
            data_date: calibration.source.data_date.clone(),
            calibrated,
            overridden,
            rho_ci90: all.rho_ci90,
            lifetime_charge_off_rate: all.lifetime_charge_off_rate,
        };
        Some((raw, used))
    }

    pub(super) fn prepayment(
        &mut self,
        cpr: Option<f64>,
        cpr_by_term: Option<BTreeMap<String, f64>>,
    ) -> Option<Prepayment> {
        match (cpr, cpr_by_term) {
            (Some(_), Some(_)) => {
                self.problem(
                    "assumptions",
                    "has both `cpr` and `cpr_by_term`, give exactly one of them",
                );
                None
            }
            (None, None) => {
                self.problem(
                    "assumptions.cpr",
                    "is required (an annual prepayment rate in [0, 1)), or give `cpr_by_term`",
                );
                None
            }
            (Some(cpr), None) => self
                .real("assumptions.cpr", cpr, Interval::UNIT_HALF_OPEN)
                .map(Prepayment::Flat),
            (None, Some(by_term)) => self.cpr_by_term(by_term).map(Prepayment::ByTerm),
        }
    }

    pub(super) fn cpr_by_term(&mut self, raw: BTreeMap<String, f64>) -> Option<BTreeMap<u32, f64>> {
        if raw.is_empty() {
            self.problem(
                "assumptions.cpr_by_term",
                "is empty, it must give the CPR of every term on the tape",
            );
            return None;
        }
        let mut table = BTreeMap::new();
        let mut valid = true;
        for (key, cpr) in raw {
            let path = format!("assumptions.cpr_by_term.{key}");
            let term = key
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|term| (1..=MAX_TERM_MONTHS).contains(term));
            let Some(term) = term else {
                self.problem(
                    &path,
                    format!(
                        "`{}` is not a term: keys are whole numbers of months from 1 to {MAX_TERM_MONTHS}",
                        clip(&key)
                    ),
                );
                valid = false;
                continue;
            };
            let Some(cpr) = self.real(&path, cpr, Interval::UNIT_HALF_OPEN) else {
                valid = false;
                continue;
            };
            if table.insert(term, cpr).is_some() {
                self.problem(&path, format!("term {term} is given twice"));
                valid = false;
            }
        }
        valid.then_some(table)
    }

    pub(super) fn segments(&mut self, raw: RawSegments) -> Option<SegmentCorrelation> {
        let names = self.required(
            "assumptions.segments.names",
            raw.names,
            "the segment names, in the order of `rho` and of the matrix rows",
        );
        let rho = self.required(
            "assumptions.segments.rho",
            raw.rho,
            "each segment's asset correlation, in [0, 1)",
        );
        let matrix = self.required(
            "assumptions.segments.factor_correlation",
            raw.factor_correlation,
            "the correlation matrix of the segment factors, one row per segment",
        );

        let names = names.and_then(|names| self.segment_names(names));
        let rho = rho.and_then(|rho| {
            let mut valid = true;
            for (i, value) in rho.iter().enumerate() {
                let key = format!("assumptions.segments.rho[{i}]");
                valid &= self.real(&key, *value, Interval::UNIT_HALF_OPEN).is_some();
            }
            valid.then_some(rho)
        });
        let (names, rho, matrix) = (names?, rho?, matrix?);
        if rho.len() != names.len() {
            self.problem(
                "assumptions.segments.rho",
                format!(
                    "has {} values for {} segments, give one per name",
                    rho.len(),
                    names.len()
                ),
            );
            return None;
        }
        let (factor_correlation, factor_cholesky) = self.factor_matrix(&names, &matrix)?;
        Some(SegmentCorrelation {
            names,
            rho,
            factor_correlation,
            factor_cholesky,
        })
    }

    pub(super) fn segment_names(&mut self, names: Vec<String>) -> Option<Vec<String>> {
        let key = "assumptions.segments.names";
        if names.is_empty() {
            self.problem(key, "is empty, list at least one segment");
            return None;
        }
        if names.len() > MAX_SEGMENTS {
            self.problem(
                key,
                format!(
                    "lists {} segments; at most {MAX_SEGMENTS} segments with their own factor are supported",
                    names.len()
                ),
            );
            return None;
        }
        let mut valid = true;
        for (i, name) in names.iter().enumerate() {
            if name.trim().is_empty() {
                self.problem(&format!("{key}[{i}]"), "is empty, a segment needs a name");
                valid = false;
            } else if crate::scenario::names::has_control(name) {
                self.problem(&format!("{key}[{i}]"), crate::scenario::names::CONTROL_RULE);
                valid = false;
            } else if names[..i].contains(name) {
                self.problem(
                    &format!("{key}[{i}]"),
                    format!(
                        "`{}` is listed twice, segment names must be unique",
                        clip(name)
                    ),
                );
                valid = false;
            }
        }
        valid.then_some(names)
    }

    /// The factor correlation matrix and its Cholesky factor. nalgebra reads only the lower
    /// triangle and checks nothing else, so symmetry, the diagonal and the range of the
    /// entries are checked here first (DEPENDENCIES §5).
    pub(super) fn factor_matrix(
        &mut self,
        names: &[String],
        rows: &[Vec<f64>],
    ) -> Option<(nalgebra::DMatrix<f64>, nalgebra::DMatrix<f64>)> {
        let key = "assumptions.segments.factor_correlation";
        let size = names.len();
        if rows.len() != size || rows.iter().any(|row| row.len() != size) {
            let shape: Vec<String> = rows.iter().map(|row| row.len().to_string()).collect();
            self.problem(
                key,
                format!(
                    "must be a {size}×{size} matrix (one row and one column per segment), found {} rows of lengths [{}]",
                    rows.len(),
                    shape.join(", ")
                ),
            );
            return None;
        }
        let mut valid = true;
        for i in 0..size {
            for j in 0..size {
                let entry = rows[i][j];
                let entry_key = format!("{key}[{i}][{j}]");
                if i == j {
                    if !within_tolerance(entry, 1.0) {
                        self.problem(
                            &entry_key,
                            format!("the diagonal must be 1, found {}", show(entry)),
                        );
                        valid = false;
                    }
                } else if self
                    .real(&entry_key, entry, Interval::CORRELATION)
                    .is_none()
                {
                    valid = false;
                } else if j > i && rows[j][i].is_finite() && !within_tolerance(entry, rows[j][i]) {
                    self.problem(
                        key,
                        format!(
                            "is not symmetric: row {i}, column {j} is {} but row {j}, column {i} is {} (segments `{}` and `{}`)",
                            show(entry),
                            show(rows[j][i]),
                            clip(&names[i]),
                            clip(&names[j])
                        ),
                    );
                    valid = false;
                }
            }
        }
        if !valid {
            return None;
        }
        let matrix = nalgebra::DMatrix::from_fn(size, size, |i, j| rows[i][j]);
        match matrix.clone().cholesky() {
            Some(cholesky) => Some((matrix, cholesky.l())),
            None => {
                self.problem(
                    key,
                    format!(
                        "the matrix of segments {} is not positive definite (it has no Cholesky factor): the correlations are inconsistent with each other or a segment is perfectly correlated with the others",
                        names.join(", ")
                    ),
                );
                None
            }
        }
    }
}
