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
    /// Weighted average of the tape's `rate` when every receivable of the bucket is of one
    /// product, in that product's unit (monthly fee for instalments and bullets, annual
    /// interest for annuities); `None` when products mix, since a monthly fee and an annual
    /// rate do not average. Kept for readers of earlier files; the split rates below say
    /// what they are of.
    pub wa_rate: Option<f64>,
    pub wa_remaining_months: f64,
    pub wa_term_months: f64,
    /// Weighted annual nominal interest rate of the bucket's annuities; `None` without any.
    pub wa_annual_interest_rate_annuity: Option<f64>,
    /// Weighted monthly fee rate of the bucket's instalments: fee ÷ original principal (the
    /// tape's `rate`); `None` without any.
    pub wa_monthly_fee_rate_installment: Option<f64>,
    /// Weighted monthly fee rate of the bucket's bullets: fee ÷ balance; `None` without any.
    pub wa_monthly_fee_rate_bullet: Option<f64>,
    /// The bucket's contractual fees and interest of one month × 12 ÷ its balance: one
    /// annual yield on the outstanding balance for every product (an instalment's fee is
    /// charged on its original principal, so its yield on the balance is higher than 12 ×
    /// its `rate`).
    pub annualised_yield_on_balance: f64,
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

/// Balance and balance-weighted `rate` of one product within a bucket.
#[derive(Debug, Clone, Copy, Default)]
struct ProductRate {
    count: usize,
    balance: f64,
    rate_weighted: f64,
}

impl ProductRate {
    fn average(&self) -> Option<f64> {
        (self.count > 0 && self.balance > 0.0).then(|| self.rate_weighted / self.balance)
    }
}

/// Running sums of one bucket.
#[derive(Debug, Clone, Default)]
struct Accumulator {
    count: usize,
    balance: f64,
    pd_weighted: f64,
    remaining_weighted: f64,
    term_weighted: f64,
    /// By product, in the order of [`Product::ALL`].
    rates: [ProductRate; 3],
    /// Contractual fees and interest of one month × 12, CNY.
    annual_income: f64,
}

/// A receivable's contractual fee or interest of one month, CNY (SPEC §2.1, §4.3): an
/// instalment's fee is `rate` × original principal, a bullet's `rate` × balance, an
/// annuity's interest `rate` / 12 × balance.
fn monthly_income(receivable: &Receivable) -> f64 {
    match receivable.product {
        Product::Installment => receivable.rate * receivable.original_principal,
        Product::Bullet => receivable.rate * receivable.balance,
        Product::Annuity => receivable.rate / 12.0 * receivable.balance,
    }
}

impl Accumulator {
    fn add(&mut self, receivable: &Receivable, pd_12m: f64) {
        let weight = receivable.balance;
        self.count += 1;
        self.balance += weight;
        self.pd_weighted += weight * pd_12m;
        self.remaining_weighted += weight * f64::from(receivable.remaining_months);
        self.term_weighted += weight * f64::from(receivable.term_months);
        let product = &mut self.rates[product_index(receivable.product)];
        product.count += 1;
        product.balance += weight;
        product.rate_weighted += weight * receivable.rate;
        self.annual_income += 12.0 * monthly_income(receivable);
    }

    fn row(&self, dimension: &str, bucket: &str, pool_balance: f64) -> StratRow {
        let average = |weighted: f64| {
            if self.balance > 0.0 {
                weighted / self.balance
            } else {
                0.0
            }
        };
        let rate_of = |product: Product| self.rates[product_index(product)].average();
        let products = self.rates.iter().filter(|r| r.count > 0).count();
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
            wa_rate: if products == 1 {
                self.rates.iter().find_map(ProductRate::average)
            } else {
                None
            },
            wa_remaining_months: average(self.remaining_weighted),
            wa_term_months: average(self.term_weighted),
            wa_annual_interest_rate_annuity: rate_of(Product::Annuity),
            wa_monthly_fee_rate_installment: rate_of(Product::Installment),
            wa_monthly_fee_rate_bullet: rate_of(Product::Bullet),
            annualised_yield_on_balance: average(self.annual_income),
        }
    }
}

/// Index of a product in [`Product::ALL`].
fn product_index(product: Product) -> usize {
    Product::ALL.iter().position(|&p| p == product).unwrap_or(0)
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
        by_product[product_index(receivable.product)].add(receivable, pd_12m);
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
/// wa_remaining_months,wa_term_months,wa_annual_interest_rate_annuity,
/// wa_monthly_fee_rate_installment,wa_monthly_fee_rate_bullet,annualised_yield_on_balance`;
/// balances in cents, shares, PDs and rates to 6 decimals, months to 2; a rate of a product
/// the bucket lacks (and `wa_rate` where products mix) is empty.
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
        "wa_annual_interest_rate_annuity",
        "wa_monthly_fee_rate_installment",
        "wa_monthly_fee_rate_bullet",
        "annualised_yield_on_balance",
    ])?;
    let rate = |value: Option<f64>| value.map_or_else(String::new, |v| format!("{v:.6}"));
    for row in rows {
        writer.write_record([
            row.dimension.clone(),
            row.bucket.clone(),
            row.count.to_string(),
            format!("{:.2}", row.balance),
            format!("{:.6}", row.balance_share),
            format!("{:.6}", row.wa_pd_12m),
            rate(row.wa_rate),
            format!("{:.2}", row.wa_remaining_months),
            format!("{:.2}", row.wa_term_months),
            rate(row.wa_annual_interest_rate_annuity),
            rate(row.wa_monthly_fee_rate_installment),
            rate(row.wa_monthly_fee_rate_bullet),
            format!("{:.6}", row.annualised_yield_on_balance),
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
    fn rates_are_split_by_what_they_are_of() {
        let mut instalment = receivable(Product::Installment, 600.0, 6, 3, 0.01);
        instalment.original_principal = 1_200.0;
        instalment.rate = 0.006;
        let mut annuity = receivable(Product::Annuity, 1_000.0, 12, 12, 0.01);
        annuity.rate = 0.15;
        let mut bullet = receivable(Product::Bullet, 400.0, 1, 1, 0.01);
        bullet.rate = 0.005;
        let rows = stratify(&[instalment, annuity, bullet], |_| 0.01);
        let total = rows.last().unwrap();
        // products mix: no single `rate` average
        assert_eq!(total.wa_rate, None);
        assert_eq!(total.wa_monthly_fee_rate_installment, Some(0.006));
        assert_eq!(total.wa_annual_interest_rate_annuity, Some(0.15));
        assert_eq!(total.wa_monthly_fee_rate_bullet, Some(0.005));
        // 12 × (0.006 × 1,200 + 0.15 / 12 × 1,000 + 0.005 × 400) ÷ 2,000
        let income = 12.0 * (0.006 * 1_200.0 + 0.15 / 12.0 * 1_000.0 + 0.005 * 400.0);
        assert!((total.annualised_yield_on_balance - income / 2_000.0).abs() < 1e-15);
        let annuities = rows
            .iter()
            .find(|r| r.dimension == "product" && r.bucket == "annuity")
            .unwrap();
        // one product: `wa_rate` is its rate, in its unit
        assert_eq!(annuities.wa_rate, Some(0.15));
        assert_eq!(annuities.wa_monthly_fee_rate_installment, None);
        assert!((annuities.annualised_yield_on_balance - 0.15).abs() < 1e-15);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("strats.csv");
        write_strats(&path, &rows).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("dimension,bucket,count,balance,balance_share,wa_pd_12m,wa_rate,wa_remaining_months,wa_term_months,wa_annual_interest_rate_annuity,wa_monthly_fee_rate_installment,wa_monthly_fee_rate_bullet,annualised_yield_on_balance\n"));
        let total_line = text.lines().last().unwrap();
        assert!(
            total_line.starts_with("total,all,3,2000.00,1.000000,0.010000,,"),
            "{total_line}"
        );
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
