//! `[deal] triggers` and the waterfall step lists.

use super::*;

impl Checker<'_> {
    pub(super) fn triggers(&mut self, raw: Vec<RawTrigger>) -> Option<Vec<Trigger>> {
        let mut triggers = Vec::with_capacity(raw.len());
        let mut valid = true;
        for (i, trigger) in raw.into_iter().enumerate() {
            let key = format!("deal.triggers[{i}]");
            let metric = match trigger.metric.as_deref().map(str::parse::<TriggerMetric>) {
                Some(Ok(metric)) => Some(metric),
                other => {
                    let what = match other {
                        Some(Err(_)) => format!(
                            "`{}` is not a trigger metric",
                            clip(trigger.metric.as_deref().unwrap_or_default())
                        ),
                        _ => "is required".to_string(),
                    };
                    self.problem(
                        &format!("{key}.metric"),
                        format!("{what}; allowed: {}", TriggerMetric::names()),
                    );
                    None
                }
            };
            let test = match (trigger.above, trigger.below) {
                (Some(_), Some(_)) => {
                    self.problem(
                        &key,
                        "has both `above` and `below`, give exactly one of them",
                    );
                    None
                }
                (None, None) => {
                    self.problem(
                        &key,
                        "has neither `above` nor `below`, give exactly one level",
                    );
                    None
                }
                (Some(level), None) => Some(TriggerTest::Above(level)),
                (None, Some(level)) => Some(TriggerTest::Below(level)),
            };
            let test = test.and_then(|test| self.trigger_level(&key, metric, test));
            let effect = match trigger.effect.as_deref() {
                Some("early_amortization") => Some(TriggerEffect::EarlyAmortization),
                Some("sequential") => Some(TriggerEffect::Sequential),
                other => {
                    let what = match other {
                        Some(name) => format!("`{}` is not a trigger effect", clip(name)),
                        None => "is required".to_string(),
                    };
                    self.problem(
                        &format!("{key}.effect"),
                        format!("{what}; allowed: early_amortization, sequential"),
                    );
                    None
                }
            };
            match (metric, test, effect) {
                (Some(metric), Some(test), Some(effect)) => triggers.push(Trigger {
                    metric,
                    test,
                    effect,
                }),
                _ => valid = false,
            }
        }
        valid.then_some(triggers)
    }

    /// The level's range depends on the metric: losses and balances are shares in [0, 1];
    /// excess spread is an annualised rate that can be negative.
    pub(super) fn trigger_level(
        &mut self,
        key: &str,
        metric: Option<TriggerMetric>,
        test: TriggerTest,
    ) -> Option<TriggerTest> {
        let (side, level) = match test {
            TriggerTest::Above(level) => ("above", level),
            TriggerTest::Below(level) => ("below", level),
        };
        let level_key = format!("{key}.{side}");
        if metric == Some(TriggerMetric::PoolBalance) && side == "above" {
            self.problem(
                &level_key,
                "`pool_balance_below` fires when the pool falls below a share of the closing balance: use `below`",
            );
            return None;
        }
        match metric {
            Some(TriggerMetric::ExcessSpread3m) | None => {
                if !level.is_finite() {
                    self.problem(&level_key, format!("{level} is not a finite number"));
                    return None;
                }
            }
            Some(_) => {
                self.real(&level_key, level, Interval::UNIT_CLOSED)?;
            }
        }
        Some(test)
    }

    pub(super) fn waterfall(
        &mut self,
        raw: Option<RawWaterfall>,
        tranches: &[RawTranche],
    ) -> Option<Waterfall> {
        // Without at least two tranches there are no rated notes to address; the tranche
        // check reports that.
        if tranches.len() < 2 {
            return None;
        }
        let rated_names: Vec<Option<&str>> = tranches[..tranches.len() - 1]
            .iter()
            .map(|t| t.name.as_deref())
            .collect();
        let residual_name = tranches[tranches.len() - 1].name.as_deref();
        let standard = Waterfall::standard(rated_names.len());
        let Some(raw) = raw else {
            return Some(standard);
        };
        let revolving = match raw.revolving {
            Some(steps) => self.waterfall_list(
                WaterfallList::Revolving,
                &steps,
                &rated_names,
                residual_name,
            ),
            None => Some(standard.revolving),
        };
        let amortizing = match raw.amortizing {
            Some(steps) => self.waterfall_list(
                WaterfallList::Amortizing,
                &steps,
                &rated_names,
                residual_name,
            ),
            None => Some(standard.amortizing),
        };
        Some(Waterfall {
            revolving: revolving?,
            amortizing: amortizing?,
        })
    }

    fn waterfall_list(
        &mut self,
        list: WaterfallList,
        names: &[String],
        rated_names: &[Option<&str>],
        residual_name: Option<&str>,
    ) -> Option<Vec<WaterfallStep>> {
        let key = format!("deal.waterfall.{}", list.as_str());
        let allowed = format!(
            "allowed: senior_fees, interest, interest:NAME, reserve, {}, residual",
            list.own_step()
        );
        let mut steps = Vec::new();
        let mut valid = true;
        for (i, name) in names.iter().enumerate() {
            let step_key = format!("{key}[{i}]");
            match name.as_str() {
                "senior_fees" => steps.push(WaterfallStep::SeniorFees),
                "interest" => steps.extend((0..rated_names.len()).map(WaterfallStep::Interest)),
                "reserve" => steps.push(WaterfallStep::ReserveTopUp),
                "residual" => steps.push(WaterfallStep::Residual),
                "purchases" if list == WaterfallList::Revolving => {
                    steps.push(WaterfallStep::Purchases)
                }
                "principal" if list == WaterfallList::Amortizing => {
                    steps.push(WaterfallStep::Principal)
                }
                "purchases" | "principal" => {
                    let other = list.other();
                    self.problem(
                        &step_key,
                        format!(
                            "`{name}` belongs in the {} list only; {allowed}",
                            other.as_str()
                        ),
                    );
                    valid = false;
                }
                _ => match name.strip_prefix("interest:") {
                    Some(tranche) => match rated_names.iter().position(|n| *n == Some(tranche)) {
                        Some(index) => steps.push(WaterfallStep::Interest(index)),
                        None => {
                            let rated: Vec<&str> = rated_names.iter().filter_map(|n| *n).collect();
                            let why = if residual_name == Some(tranche) {
                                format!(
                                    "`{}` is the residual holder, which has no coupon",
                                    clip(tranche)
                                )
                            } else {
                                format!("no rated tranche is named `{}`", clip(tranche))
                            };
                            self.problem(
                                &step_key,
                                format!(
                                    "{why}; rated tranches: {}",
                                    rated
                                        .iter()
                                        .map(|name| clip(name))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            );
                            valid = false;
                        }
                    },
                    None => {
                        self.problem(
                            &step_key,
                            format!("`{}` is not a waterfall step; {allowed}", clip(name)),
                        );
                        valid = false;
                    }
                },
            }
        }
        let count = |wanted: WaterfallStep| steps.iter().filter(|s| **s == wanted).count();
        let own = match list {
            WaterfallList::Revolving => WaterfallStep::Purchases,
            WaterfallList::Amortizing => WaterfallStep::Principal,
        };
        for (step, step_name) in [
            (WaterfallStep::SeniorFees, "senior_fees"),
            (own, list.own_step()),
            (WaterfallStep::Residual, "residual"),
        ] {
            let times = count(step);
            if times != 1 {
                self.problem(
                    &key,
                    format!("`{step_name}` appears {times} times, it must appear exactly once"),
                );
                valid = false;
            }
        }
        if count(WaterfallStep::Residual) == 1 && steps.last() != Some(&WaterfallStep::Residual) {
            self.problem(
                &key,
                "`residual` must be the last step: it takes what is left",
            );
            valid = false;
        }
        let reserves = count(WaterfallStep::ReserveTopUp);
        if reserves > 1 {
            self.problem(
                &key,
                format!("`reserve` appears {reserves} times, it may appear at most once"),
            );
            valid = false;
        }
        for (index, tranche) in rated_names.iter().enumerate() {
            let times = count(WaterfallStep::Interest(index));
            if times != 1 {
                // A missing or repeated name (reported on the tranche) cannot tell the
                // tranches apart, so name the position instead.
                let unique = tranche
                    .filter(|name| rated_names.iter().filter(|n| **n == Some(*name)).count() == 1);
                let tranche = match unique {
                    Some(name) => name.to_string(),
                    None => format!("deal.tranches[{index}]"),
                };
                self.problem(
                    &key,
                    format!(
                        "interest on `{tranche}` appears {times} times (through `interest` or `interest:{tranche}`), it must appear exactly once",
                        tranche = clip(&tranche)
                    ),
                );
                valid = false;
            }
        }
        valid.then_some(steps)
    }
}

/// Which of the deal's two step lists is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WaterfallList {
    Revolving,
    Amortizing,
}

impl WaterfallList {
    fn as_str(self) -> &'static str {
        match self {
            WaterfallList::Revolving => "revolving",
            WaterfallList::Amortizing => "amortizing",
        }
    }

    fn other(self) -> WaterfallList {
        match self {
            WaterfallList::Revolving => WaterfallList::Amortizing,
            WaterfallList::Amortizing => WaterfallList::Revolving,
        }
    }

    /// The step that only this list has: purchases while revolving, principal after.
    fn own_step(self) -> &'static str {
        match self {
            WaterfallList::Revolving => "purchases",
            WaterfallList::Amortizing => "principal",
        }
    }
}
