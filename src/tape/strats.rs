//! Pool stratification tables ("strats"): count, balance and balance-weighted averages of the
//! receivables by product, term, remaining term, balance band, PD band and segment, plus the
//! pool total. They are the first table of the report and what an investor checks a tape by.

use std::path::Path;

use super::{Product, Receivable};

/// One bucket of one dimension. Averages are weighted by `balance`.
#[derive(Debug, Clone, PartialEq)]
pub struct StratRow {
    /// `product`, `term_months`, `remaining_months`, `balance`, `pd_12m`, `segment` or `total`.
    pub dimension: String,
    /// The bucket's label, e.g. `installment`, `12`, `4-6`, `2k-5k`, `1-2%`; `all` for the total.
    pub bucket: String,
    pub count: usize,
    /// Outstanding principal of the bucket, CNY.
    pub balance: f64,
    /// The bucket's share of the pool balance.
    pub balance_share: f64,
    pub wa_pd_12m: f64,
    /// Weighted average of `rate` (mixes monthly fees and annual rates across products; read it
    /// per product).
    pub wa_rate: f64,
    pub wa_remaining_months: f64,
    pub wa_term_months: f64,
}

/// Remaining-term bands: (label, lowest month, highest month), inclusive.
pub const REMAINING_MONTHS_BANDS: [(&str, u32, u32); 6] = [
    ("1", 1, 1),
    ("2-3", 2, 3),
    ("4-6", 4, 6),
    ("7-12", 7, 12),
    ("13-24", 13, 24),
    ("25-60", 25, 60),
];

/// Balance bands, CNY: (label, lower bound inclusive); each band ends at the next one's bound.
pub const BALANCE_BANDS: [(&str, f64); 6] = [
    ("<1k", 0.0),
    ("1k-2k", 1_000.0),
    ("2k-5k", 2_000.0),
    ("5k-10k", 5_000.0),
    ("10k-20k", 10_000.0),
    (">=20k", 20_000.0),
];

/// 12-month PD bands: (label, lower bound inclusive); each band ends at the next one's bound.
pub const PD_BANDS: [(&str, f64); 6] = [
    ("<0.5%", 0.0),
    ("0.5-1%", 0.005),
    ("1-2%", 0.01),
    ("2-5%", 0.02),
    ("5-10%", 0.05),
    (">=10%", 0.10),
];

/// Running sums of one bucket.
#[derive(Debug, Clone, Default)]
struct Accumulator {
    count: usize,
    balance: f64,
    pd_weighted: f64,
    rate_weighted: f64,
    remaining_weighted: f64,
    term_weighted: f64,
}

impl Accumulator {
    fn add(&mut self, receivable: &Receivable, pd_12m: f64) {
        let weight = receivable.balance;
        self.count += 1;
        self.balance += weight;
        self.pd_weighted += weight * pd_12m;
        self.rate_weighted += weight * receivable.rate;
        self.remaining_weighted += weight * f64::from(receivable.remaining_months);
        self.term_weighted += weight * f64::from(receivable.term_months);
    }

    fn row(&self, dimension: &str, bucket: &str, pool_balance: f64) -> StratRow {
        let average = |weighted: f64| {
            if self.balance > 0.0 {
                weighted / self.balance
            } else {
                0.0
            }
        };
        StratRow {
            dimension: dimension.to_owned(),
            bucket: bucket.to_owned(),
            count: self.count,
            balance: self.balance,
            balance_share: if pool_balance > 0.0 {
                self.balance / pool_balance
            } else {
                0.0
            },
            wa_pd_12m: average(self.pd_weighted),
            wa_rate: average(self.rate_weighted),
            wa_remaining_months: average(self.remaining_weighted),
            wa_term_months: average(self.term_weighted),
        }
    }
}

/// Index of the last band whose lower bound is ≤ `value` (the first band for smaller values).
fn band_index(bands: &[(&str, f64)], value: f64) -> usize {
    bands
        .iter()
        .rposition(|&(_, lower)| value >= lower)
        .unwrap_or(0)
}

/// Stratifies `receivables` by product, term, remaining term, balance, PD and segment, with
/// `pd_of` giving each receivable's 12-month PD (e.g. `pd_12m`, else the score's PD).
///
/// Rows come dimension by dimension in the order above, then one `total` row (bucket `all`).
/// Within a dimension buckets are in natural order (products as [`Product::ALL`], terms
/// ascending, bands from low to high, segments by name); empty buckets are left out. Each
/// dimension's counts and balances add up to the total.
pub fn stratify(receivables: &[Receivable], pd_of: impl Fn(&Receivable) -> f64) -> Vec<StratRow> {
    let mut by_product: [Accumulator; 3] = Default::default();
    let mut by_term: [Accumulator; 61] = std::array::from_fn(|_| Accumulator::default());
    let mut by_remaining: [Accumulator; 6] = Default::default();
    let mut by_balance: [Accumulator; 6] = Default::default();
    let mut by_pd: [Accumulator; 6] = Default::default();
    let mut by_segment: std::collections::BTreeMap<&str, Accumulator> = Default::default();
    let mut total = Accumulator::default();

    for receivable in receivables {
        let pd_12m = pd_of(receivable);
        let product_index = Product::ALL
            .iter()
            .position(|&p| p == receivable.product)
            .unwrap_or(0);
        by_product[product_index].add(receivable, pd_12m);
        // Terms above 60 cannot pass the reader; clamp so a hand-built receivable cannot panic.
        by_term[(receivable.term_months as usize).min(60)].add(receivable, pd_12m);
        let remaining_index = REMAINING_MONTHS_BANDS
            .iter()
            .rposition(|&(_, lowest, _)| receivable.remaining_months >= lowest)
            .unwrap_or(0);
        by_remaining[remaining_index].add(receivable, pd_12m);
        by_balance[band_index(&BALANCE_BANDS, receivable.balance)].add(receivable, pd_12m);
        by_pd[band_index(&PD_BANDS, pd_12m)].add(receivable, pd_12m);
        by_segment
            .entry(receivable.segment.as_str())
            .or_default()
            .add(receivable, pd_12m);
        total.add(receivable, pd_12m);
    }

    let pool = total.balance;
    let mut rows = Vec::new();
    let mut push = |dimension: &str, bucket: &str, accumulator: &Accumulator| {
        if accumulator.count > 0 {
            rows.push(accumulator.row(dimension, bucket, pool));
        }
    };
    for (product, accumulator) in Product::ALL.iter().zip(&by_product) {
        push("product", product.as_str(), accumulator);
    }
    for (term, accumulator) in by_term.iter().enumerate() {
        push("term_months", &term.to_string(), accumulator);
    }
    for ((label, _, _), accumulator) in REMAINING_MONTHS_BANDS.iter().zip(&by_remaining) {
        push("remaining_months", label, accumulator);
    }
    for ((label, _), accumulator) in BALANCE_BANDS.iter().zip(&by_balance) {
        push("balance", label, accumulator);
    }
    for ((label, _), accumulator) in PD_BANDS.iter().zip(&by_pd) {
        push("pd_12m", label, accumulator);
    }
    for (segment, accumulator) in &by_segment {
        push("segment", segment, accumulator);
    }
    rows.push(total.row("total", "all", pool));
    rows
}

/// Writes strats as CSV: `dimension,bucket,count,balance,balance_share,wa_pd_12m,wa_rate,
/// wa_remaining_months,wa_term_months`; balances in cents, shares, PDs and rates to 6 decimals,
/// months to 2.
///
/// # Errors
/// Any I/O error creating or writing `path`.
pub fn write_strats(path: &Path, rows: &[StratRow]) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_path(path)?;
    writer.write_record([
        "dimension",
        "bucket",
        "count",
        "balance",
        "balance_share",
        "wa_pd_12m",
        "wa_rate",
        "wa_remaining_months",
        "wa_term_months",
    ])?;
    for row in rows {
        writer.write_record([
            row.dimension.clone(),
            row.bucket.clone(),
            row.count.to_string(),
            format!("{:.2}", row.balance),
            format!("{:.6}", row.balance_share),
            format!("{:.6}", row.wa_pd_12m),
            format!("{:.6}", row.wa_rate),
            format!("{:.2}", row.wa_remaining_months),
            format!("{:.2}", row.wa_term_months),
        ])?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receivable(
        product: Product,
        balance: f64,
        term: u32,
        remaining: u32,
        pd: f64,
    ) -> Receivable {
        Receivable {
            id: format!("{product}-{balance}"),
            product,
            balance,
            original_principal: balance,
            term_months: term,
            remaining_months: remaining,
            rate: 0.01,
            score: None,
            pd_12m: Some(pd),
            segment: "core".into(),
            days_past_due: 0,
        }
    }

    #[test]
    fn hand_computed_buckets_and_averages() {
        let pool = [
            receivable(Product::Bullet, 500.0, 1, 1, 0.004),
            receivable(Product::Installment, 1_500.0, 12, 12, 0.02),
            receivable(Product::Installment, 20_000.0, 24, 13, 0.10),
        ];
        let rows = stratify(&pool, |r| r.pd_12m.unwrap_or(0.0));
        let find = |dimension: &str, bucket: &str| {
            rows.iter()
                .find(|r| r.dimension == dimension && r.bucket == bucket)
                .unwrap_or_else(|| panic!("{dimension}/{bucket} in {rows:#?}"))
        };
        let installment = find("product", "installment");
        assert_eq!(installment.count, 2);
        assert_eq!(installment.balance, 21_500.0);
        // (1,500 × 0.02 + 20,000 × 0.10) / 21,500
        assert!((installment.wa_pd_12m - 2_030.0 / 21_500.0).abs() < 1e-15);
        // (1,500 × 12 + 20,000 × 24) / 21,500
        assert!((installment.wa_term_months - 498_000.0 / 21_500.0).abs() < 1e-12);
        assert_eq!(find("remaining_months", "7-12").count, 1);
        assert_eq!(find("remaining_months", "13-24").count, 1);
        assert_eq!(find("balance", "<1k").count, 1);
        assert_eq!(find("balance", ">=20k").count, 1);
        // Band lower bounds are inclusive.
        assert_eq!(find("pd_12m", "2-5%").count, 1);
        assert_eq!(find("pd_12m", ">=10%").count, 1);
        assert_eq!(find("pd_12m", "<0.5%").count, 1);
        let total = find("total", "all");
        assert_eq!(
            (total.count, total.balance, total.balance_share),
            (3, 22_000.0, 1.0)
        );
        let products: Vec<&str> = rows
            .iter()
            .filter(|r| r.dimension == "product")
            .map(|r| r.bucket.as_str())
            .collect();
        assert_eq!(products, ["installment", "bullet"]);
        let terms: Vec<&str> = rows
            .iter()
            .filter(|r| r.dimension == "term_months")
            .map(|r| r.bucket.as_str())
            .collect();
        assert_eq!(terms, ["1", "12", "24"]);
    }

    #[test]
    fn empty_pool_gives_a_zero_total() {
        let rows = stratify(&[], |_| 0.0);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].count, rows[0].balance, rows[0].wa_pd_12m),
            (0, 0.0, 0.0)
        );
    }
}
