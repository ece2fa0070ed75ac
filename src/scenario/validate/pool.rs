//! `[pool]` and `[credit]`: where the receivables come from and the credit files.

use super::*;

impl Checker<'_> {
    pub(super) fn pool(&mut self, raw: Option<RawPool>) -> Option<PoolSpec> {
        let raw = self.required(
            "pool",
            raw,
            "a `[pool]` table with `tape = \"FILE\"` or `synthetic = { receivables = N, seed = S }`",
        )?;
        let source = match (raw.tape, raw.synthetic) {
            (Some(_), Some(_)) => {
                self.problem(
                    "pool",
                    "has both `tape` and `synthetic`, give exactly one of them",
                );
                None
            }
            (None, None) => {
                self.problem(
                    "pool",
                    "has neither `tape` nor `synthetic`, give exactly one of them",
                );
                None
            }
            (Some(tape), None) => self.existing_file("pool.tape", &tape).map(PoolSource::Tape),
            (None, Some(synthetic)) => {
                let receivables = self
                    .required(
                        "pool.synthetic.receivables",
                        synthetic.receivables,
                        "the number of receivables to generate, at least 1",
                    )
                    .and_then(|n| {
                        self.integer("pool.synthetic.receivables", n, 1, MAX_RECEIVABLES as i64)
                    });
                let seed = self
                    .required(
                        "pool.synthetic.seed",
                        synthetic.seed,
                        "a whole number ≥ 0 that fixes the generated tape",
                    )
                    .and_then(|s| self.integer("pool.synthetic.seed", s, 0, i64::MAX));
                match (receivables, seed) {
                    (Some(receivables), Some(seed)) => Some(PoolSource::Synthetic {
                        receivables: usize::try_from(receivables).ok()?,
                        seed: seed.unsigned_abs(),
                    }),
                    _ => None,
                }
            }
        };
        let target_balance = self.real_optional(
            "pool.target_balance",
            raw.target_balance,
            Interval::TARGET_BALANCE,
        );
        Some(PoolSpec {
            source: source?,
            target_balance: target_balance?,
        })
    }

    /// The credit model and policy files, read with the readers `decide` uses, so a file
    /// `decide` or `frontier` would refuse is refused here, every problem listed.
    pub(super) fn credit(&mut self, raw: Option<RawCredit>) -> Option<CreditSpec> {
        let raw = raw.unwrap_or_default();
        let model = raw.model.map(|model| {
            let path = self.existing_file("credit.model", &model)?;
            let read = Scorecard::read(&path).map(|_| ());
            self.credit_file("credit.model", read).then_some(path)
        });
        let policy = raw.policy.map(|policy| {
            let path = self.existing_file("credit.policy", &policy)?;
            let read = Policy::read(&path).map(|_| ());
            self.credit_file("credit.policy", read).then_some(path)
        });
        Some(CreditSpec {
            model: model.map_or(Some(None), |resolved| resolved.map(Some))?,
            policy: policy.map_or(Some(None), |resolved| resolved.map(Some))?,
        })
    }

    /// Records the problems of a credit file under `key`; true when it has none.
    pub(super) fn credit_file(&mut self, key: &str, read: Result<(), ConfigError>) -> bool {
        match read {
            Ok(()) => true,
            Err(ConfigError::Invalid { problems, .. }) => {
                for problem in problems {
                    self.problem(key, problem);
                }
                false
            }
            Err(error) => {
                self.problem(key, error);
                false
            }
        }
    }
}
