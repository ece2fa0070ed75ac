//! `[simulation]`, `[deterministic]`, `[targets]` and `[frontier]`.

use super::*;

impl Checker<'_> {
    pub(super) fn simulation(&mut self, raw: Option<RawSimulation>) -> Option<SimulationSettings> {
        let raw = raw.unwrap_or_default();
        let paths = match raw.paths {
            Some(paths) => self
                .integer("simulation.paths", paths, 1, MAX_PATHS as i64)
                .and_then(|paths| usize::try_from(paths).ok()),
            None => Some(DEFAULT_PATHS),
        };
        let seed = match raw.seed {
            Some(seed) => self
                .integer("simulation.seed", seed, 0, i64::MAX)
                .map(i64::unsigned_abs),
            None => Some(DEFAULT_SEED),
        };
        Some(SimulationSettings {
            paths: paths?,
            seed: seed?,
            importance_sampling: raw.importance_sampling.unwrap_or(true),
        })
    }

    pub(super) fn deterministic(
        &mut self,
        raw: Option<RawDeterministic>,
        horizon: Option<u32>,
    ) -> Option<DeterministicStress> {
        let raw = raw.unwrap_or_default();
        let cdr = raw
            .cdr
            .map(|curve| self.rate_curve("deterministic.cdr", curve, horizon));
        let cpr = raw
            .cpr
            .map(|curve| self.rate_curve("deterministic.cpr", curve, horizon));
        Some(DeterministicStress {
            cdr: cdr.map_or(Some(None), |curve| curve.map(Some))?,
            cpr: cpr.map_or(Some(None), |curve| curve.map(Some))?,
        })
    }

    pub(super) fn rate_curve(
        &mut self,
        key: &str,
        raw: RawRateCurve,
        horizon: Option<u32>,
    ) -> Option<RateCurve> {
        match raw {
            RawRateCurve::Flat(rate) => self
                .real(key, rate, Interval::UNIT_HALF_OPEN)
                .map(RateCurve::Flat),
            RawRateCurve::ByMonth(rates) => {
                if rates.is_empty() {
                    self.problem(
                        key,
                        "is an empty vector, give a number or at least one annual rate in [0, 1)",
                    );
                    return None;
                }
                let mut valid = true;
                for (i, rate) in rates.iter().enumerate() {
                    valid &= self
                        .real(&format!("{key}[{i}]"), *rate, Interval::UNIT_HALF_OPEN)
                        .is_some();
                }
                if let Some(horizon) = horizon.filter(|h| rates.len() > *h as usize) {
                    self.warn(
                        key,
                        format!(
                            "has {} monthly values but the horizon is {horizon} months: the values after month {horizon} are not used",
                            rates.len()
                        ),
                    );
                }
                valid.then_some(RateCurve::ByMonth(rates))
            }
        }
    }

    pub(super) fn targets(&mut self, raw: Option<RawTargets>) -> Option<Targets> {
        let raw = raw.unwrap_or_default();
        let max_pool_el = self.real_optional(
            "targets.max_pool_el",
            raw.max_pool_el,
            Interval::UNIT_OPEN_LOW,
        );
        let min_advance_rate = self.real_optional(
            "targets.min_advance_rate",
            raw.min_advance_rate,
            Interval::UNIT_OPEN_LOW,
        );
        let funding_need =
            self.real_optional("targets.funding_need", raw.funding_need, Interval::POSITIVE);
        Some(Targets {
            max_pool_el: max_pool_el?,
            min_advance_rate: min_advance_rate?,
            funding_need: funding_need?,
        })
    }

    pub(super) fn frontier(&mut self, raw: Option<RawFrontier>) -> Option<FrontierSpec> {
        let raw = raw.unwrap_or_default();
        let cutoffs = match raw.cutoffs {
            Some(values) => self
                .increasing_list("frontier.cutoffs", &values, CUTOFF_SCORES, "scores")
                .map(|()| Some(values)),
            None => Some(None),
        };
        let limit_multipliers = match raw.limit_multipliers {
            Some(values) => self
                .increasing_list(
                    "frontier.limit_multipliers",
                    &values,
                    Interval::LIMIT_MULTIPLIER,
                    "multipliers",
                )
                .map(|()| values),
            None => Some(DEFAULT_LIMIT_MULTIPLIERS.to_vec()),
        };
        let paths = match raw.paths {
            Some(paths) => self
                .integer("frontier.paths", paths, 1, MAX_PATHS as i64)
                .and_then(|paths| usize::try_from(paths).ok()),
            None => Some(DEFAULT_FRONTIER_PATHS),
        };
        Some(FrontierSpec {
            cutoffs: cutoffs?,
            limit_multipliers: limit_multipliers?,
            paths: paths?,
        })
    }

    /// A non-empty, strictly increasing list of numbers in `allowed`; every problem reported.
    pub(super) fn increasing_list(
        &mut self,
        key: &str,
        values: &[f64],
        allowed: Interval,
        what: &str,
    ) -> Option<()> {
        if values.is_empty() {
            self.problem(
                key,
                format!("is an empty list, give at least one of the {what} to evaluate"),
            );
            return None;
        }
        let mut valid = true;
        for (i, &value) in values.iter().enumerate() {
            valid &= self.real(&format!("{key}[{i}]"), value, allowed).is_some();
        }
        for (i, pair) in values.windows(2).enumerate() {
            if pair[1] <= pair[0] {
                self.problem(
                    &format!("{key}[{}]", i + 1),
                    format!(
                        "{} does not exceed the value before it ({}): list the {what} in strictly increasing order, each once",
                        show(pair[1]),
                        show(pair[0])
                    ),
                );
                valid = false;
            }
        }
        valid.then_some(())
    }
}
