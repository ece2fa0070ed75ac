//! `[deal]`: horizon, fees, reserve, call, tables, tranches, and the warnings a structure
//! earns.

use super::*;

impl Checker<'_> {
    pub(super) fn deal(&mut self, raw: Option<RawDeal>) -> Option<Deal> {
        let raw = self.required(
            "deal",
            raw,
            "a `[deal]` table with `horizon_months`, `revolving_months` and `tranches`",
        )?;
        let horizon_months = self
            .required(
                "deal.horizon_months",
                raw.horizon_months,
                "the legal final month, from 1 to 120",
            )
            .and_then(|months| self.integer("deal.horizon_months", months, 1, MAX_MONTHS));
        let revolving_months = self
            .required(
                "deal.revolving_months",
                raw.revolving_months,
                "the number of months that buy new receivables, 0 for a static pool",
            )
            .and_then(|months| match horizon_months {
                Some(horizon) if !(0..horizon).contains(&months) => {
                    self.problem(
                        "deal.revolving_months",
                        format!(
                            "{months} is out of range, it must be a whole number from 0 to {} (below `deal.horizon_months` = {horizon}, so at least one month amortizes)",
                            horizon - 1
                        ),
                    );
                    None
                }
                Some(_) => Some(months),
                None => self.integer("deal.revolving_months", months, 0, MAX_MONTHS - 1),
            });
        let senior_fee_bps = self.real_or(
            "deal.senior_fee_bps",
            raw.senior_fee_bps,
            0.0,
            Interval::BASIS_POINTS,
        );
        let reserve_pct = self.real_or(
            "deal.reserve_pct",
            raw.reserve_pct,
            0.0,
            Interval::UNIT_CLOSED,
        );
        let clean_up_call = self.real_or(
            "deal.clean_up_call",
            raw.clean_up_call,
            0.0,
            Interval::UNIT_HALF_OPEN,
        );
        let principal = match raw.principal.as_deref() {
            None | Some("sequential") => Some(PrincipalMode::Sequential),
            Some("pro_rata") => Some(PrincipalMode::ProRata),
            Some(other) => {
                self.problem(
                    "deal.principal",
                    format!(
                        "`{}` is not a principal mode, use \"sequential\" or \"pro_rata\"",
                        clip(other)
                    ),
                );
                None
            }
        };
        let rating_table = match raw.rating_table {
            None => Some(RatingTable::default()),
            Some(relative) => self
                .existing_file("deal.rating_table", &relative)
                .and_then(|path| match RatingTable::from_file(&path) {
                    Ok(table) => Some(table),
                    Err(error) => {
                        for problem in error.problems() {
                            self.problem("deal.rating_table", problem);
                        }
                        None
                    }
                }),
        };
        let pd_table = match raw.pd_table {
            None => Some(RatingTable::default_pd()),
            Some(relative) => self
                .existing_file("deal.pd_table", &relative)
                .and_then(|path| match RatingTable::from_file(&path) {
                    Ok(table) => Some(table),
                    Err(error) => {
                        for problem in error.problems() {
                            self.problem("deal.pd_table", problem);
                        }
                        None
                    }
                }),
        };
        if let (Some(ratings), Some(pds)) = (&rating_table, &pd_table) {
            let missing: Vec<&str> = ratings
                .ratings()
                .iter()
                .filter(|r| !pds.contains(r))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                self.problem(
                    "deal.pd_table",
                    format!(
                        "{} has no idealized default rate for rating(s) {} of the rating table {}; name a default table with every rating in `deal.pd_table`",
                        pds.source,
                        clip(&missing.join(", ")),
                        ratings.source
                    ),
                );
            }
        }
        let stress_table = match (&raw.stress_table, &rating_table) {
            (_, None) => None,
            (None, Some(ratings)) => {
                match StressTable::parse(DEFAULT_STRESS_TOML, DEFAULT_STRESS_NAME, Some(ratings)) {
                    Ok(table) => Some(table),
                    Err(_) => {
                        // only a rating table of other symbols gets here
                        self.problem(
                            "deal.stress_table",
                            format!(
                                "the built-in stress table's categories list the built-in ratings (Aaa … B3), not those of {}; name a `deal.stress_table` whose categories list them",
                                ratings.source
                            ),
                        );
                        None
                    }
                }
            }
            (Some(relative), Some(ratings)) => self
                .existing_file("deal.stress_table", relative)
                .and_then(|path| match StressTable::from_file(&path, Some(ratings)) {
                    Ok(table) => Some(table),
                    Err(error) => {
                        for problem in error.problems {
                            self.problem("deal.stress_table", problem);
                        }
                        None
                    }
                }),
        };
        let sizing_method = match raw.sizing_method.as_deref() {
            None => Some(SizingMethod::default()),
            Some(name) => match SizingMethod::ALL.iter().find(|m| m.as_str() == name) {
                Some(&method) => Some(method),
                None => {
                    self.problem(
                        "deal.sizing_method",
                        format!(
                            "`{}` is not a sizing method, use \"tdr_bdr\" (target against break-even default rates, SPEC §7.3) or \"expected_loss\" (SPEC §7.1)",
                            clip(name)
                        ),
                    );
                    None
                }
            },
        };
        let raw_tranches = raw.tranches.unwrap_or_default();
        let tranches = self.tranches(&raw_tranches, rating_table.as_ref());
        let triggers = self.triggers(raw.triggers.unwrap_or_default());
        let waterfall = self.waterfall(raw.waterfall, &raw_tranches);

        let deal = Deal {
            horizon_months: u32::try_from(horizon_months?).ok()?,
            revolving_months: u32::try_from(revolving_months?).ok()?,
            senior_fee_bps: senior_fee_bps?,
            reserve_pct: reserve_pct?,
            clean_up_call: clean_up_call?,
            principal: principal?,
            tranches: tranches?,
            triggers: triggers?,
            waterfall: waterfall?,
            rating_table: rating_table?,
            pd_table: pd_table?,
            stress_table: stress_table?,
            sizing_method: sizing_method?,
        };
        self.deal_warnings(&deal);
        Some(deal)
    }

    pub(super) fn tranches(
        &mut self,
        raw: &[RawTranche],
        table: Option<&RatingTable>,
    ) -> Option<Vec<Tranche>> {
        if raw.len() < 2 {
            self.problem(
                "deal.tranches",
                format!(
                    "has {} tranche(s), give at least 2: the rated notes in order of seniority, then the residual holder",
                    raw.len()
                ),
            );
            return None;
        }
        let last = raw.len() - 1;
        let mut tranches = Vec::with_capacity(raw.len());
        let mut valid = true;
        for (i, tranche) in raw.iter().enumerate() {
            let key = format!("deal.tranches[{i}]");
            let name = match &tranche.name {
                None => {
                    self.problem(
                        &format!("{key}.name"),
                        "is required (a unique, non-empty name)",
                    );
                    None
                }
                Some(name) if name.trim().is_empty() => {
                    self.problem(&format!("{key}.name"), "is empty, a tranche needs a name");
                    None
                }
                Some(name) if crate::scenario::names::has_control(name) => {
                    self.problem(&format!("{key}.name"), crate::scenario::names::CONTROL_RULE);
                    None
                }
                Some(name) => match raw[..i]
                    .iter()
                    .position(|earlier| earlier.name.as_ref() == Some(name))
                {
                    Some(first) => {
                        self.problem(
                            &format!("{key}.name"),
                            format!("`{}` is also the name of deal.tranches[{first}], tranche names must be unique", clip(name)),
                        );
                        None
                    }
                    None => Some(name.clone()),
                },
            };
            let label = clip(name.as_deref().unwrap_or("?")).into_owned();
            let share = self
                .required(
                    &format!("{key}.share"),
                    tranche.share,
                    "the tranche's share of the closing pool balance, in (0, 1]",
                )
                .and_then(|share| {
                    self.real(&format!("{key}.share"), share, Interval::UNIT_OPEN_LOW)
                });
            let coupon = if i == last {
                if tranche.coupon.is_some() {
                    self.problem(
                        &format!("{key}.coupon"),
                        format!("the last tranche (`{label}`) is the residual holder and takes what is left: remove its coupon"),
                    );
                    None
                } else {
                    Some(None)
                }
            } else {
                self.required(
                    &format!("{key}.coupon"),
                    tranche.coupon,
                    &format!("`{label}` is a rated note, give its annual coupon in [0, 1)"),
                )
                .and_then(|coupon| {
                    self.real(&format!("{key}.coupon"), coupon, Interval::UNIT_HALF_OPEN)
                })
                .map(Some)
            };
            let target_rating = match &tranche.target_rating {
                None => Some(None),
                Some(_) if i == last => {
                    self.problem(
                        &format!("{key}.target_rating"),
                        format!("the last tranche (`{label}`) is the residual holder, which is not rated: remove its target_rating"),
                    );
                    None
                }
                Some(rating) => match table {
                    Some(table) if !table.contains(rating) => {
                        self.problem(
                            &format!("{key}.target_rating"),
                            format!(
                                "`{}` is not a row of the rating table ({}); allowed: {}",
                                clip(rating),
                                table.source,
                                table
                                    .ratings()
                                    .iter()
                                    .map(|rating| clip(rating))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                        None
                    }
                    // An unreadable table is reported on its own key.
                    _ => Some(Some(rating.clone())),
                },
            };
            match (name, share, coupon, target_rating) {
                (Some(name), Some(share), Some(coupon), Some(target_rating)) => {
                    tranches.push(Tranche {
                        name,
                        share,
                        coupon,
                        target_rating,
                    })
                }
                _ => valid = false,
            }
        }
        if raw.iter().all(|t| t.share.is_some_and(f64::is_finite)) {
            let sum: f64 = raw.iter().filter_map(|t| t.share).sum();
            if (sum - 1.0).abs() > SHARE_SUM_TOLERANCE {
                self.problem(
                    "deal.tranches",
                    format!("shares sum to {}, they must sum to 1", show(sum)),
                );
                valid = false;
            }
        }
        valid.then_some(tranches)
    }

    pub(super) fn deal_warnings(&mut self, deal: &Deal) {
        for (i, trigger) in deal.triggers.iter().enumerate() {
            let key = format!("deal.triggers[{i}]");
            if trigger.effect == TriggerEffect::Sequential
                && deal.principal == PrincipalMode::Sequential
            {
                self.warn(
                    &key,
                    "effect `sequential` has no effect: principal is already sequential (`deal.principal`)",
                );
            }
            // any breach ends pro-rata principal (SPEC §5), so only a sequential deal with
            // nothing to revolve gains nothing from an early-amortization trigger
            if trigger.effect == TriggerEffect::EarlyAmortization
                && deal.revolving_months == 0
                && deal.principal == PrincipalMode::Sequential
            {
                self.warn(
                    &key,
                    "effect `early_amortization` has no effect: the deal has no revolving period and principal is already sequential",
                );
            }
            let unusual_side = match (trigger.metric, trigger.test) {
                (
                    TriggerMetric::CumulativeNetLoss | TriggerMetric::CumulativeDefault,
                    TriggerTest::Below(_),
                ) => Some("a loss trigger normally fires `above` a level"),
                (TriggerMetric::ExcessSpread3m, TriggerTest::Above(_)) => {
                    Some("an excess-spread trigger normally fires `below` a level")
                }
                _ => None,
            };
            if let Some(note) = unusual_side {
                self.warn(&key, format!("{note}; check the direction"));
            }
        }
        if deal.reserve_pct > 0.0 {
            for (list, steps) in [
                ("revolving", &deal.waterfall.revolving),
                ("amortizing", &deal.waterfall.amortizing),
            ] {
                if !steps.contains(&WaterfallStep::ReserveTopUp) {
                    self.warn(
                        &format!("deal.waterfall.{list}"),
                        "has no `reserve` step although `deal.reserve_pct` > 0: the reserve is spent and never replenished in this period",
                    );
                }
            }
        }
    }
}
