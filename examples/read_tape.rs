//! Reads, writes or summarises a tape from the command line; used to measure the reader's
//! time and peak memory (`/usr/bin/time -v`) and to produce the figures of `docs/gen-tape.md`.
//!
//! ```text
//! cargo run --release --example read_tape -- gen N SEED FILE   # write a synthetic tape
//! cargo run --release --example read_tape -- read FILE         # read and validate it
//! cargo run --release --example read_tape -- stats N SEED      # strats of a synthetic tape
//! ```

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use baitiao_abs::tape::{self, Receivable};
use baitiao_abs::units::pd_from_score;

fn pd_of(receivable: &Receivable) -> f64 {
    receivable
        .pd_12m
        .or(receivable.score.map(pd_from_score))
        .unwrap_or(f64::NAN)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parse = |text: &str| text.parse::<u64>().ok();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["gen", n, seed, file] => {
            let (Some(n), Some(seed)) = (parse(n), parse(seed)) else {
                eprintln!("gen: N and SEED must be whole numbers");
                return ExitCode::from(2);
            };
            let receivables = tape::generate(n as usize, seed);
            if let Err(error) = tape::write_tape(Path::new(file), &receivables) {
                eprintln!("{error}");
                return ExitCode::FAILURE;
            }
        }
        ["read", file] => {
            let start = Instant::now();
            match tape::read_tape(Path::new(file)) {
                Ok(tape) => {
                    let balance: f64 = tape.receivables.iter().map(|r| r.balance).sum();
                    println!(
                        "{} receivables, balance {balance:.2} CNY, read in {:.3} s",
                        tape.receivables.len(),
                        start.elapsed().as_secs_f64()
                    );
                    for warning in tape.warnings {
                        println!("warning: {warning}");
                    }
                }
                Err(error) => {
                    eprintln!("{error}");
                    return ExitCode::from(2);
                }
            }
        }
        ["stats", n, seed] => {
            let (Some(n), Some(seed)) = (parse(n), parse(seed)) else {
                eprintln!("stats: N and SEED must be whole numbers");
                return ExitCode::from(2);
            };
            let receivables = tape::generate(n as usize, seed);
            let past_due = receivables.iter().filter(|r| !r.is_eligible()).count();
            println!(
                "dimension,bucket,count,count_share,balance,balance_share,avg_balance,wa_pd_12m,wa_rate,wa_remaining_months,wa_term_months"
            );
            for row in tape::stratify(&receivables, pd_of) {
                println!(
                    "{},{},{},{:.4},{:.0},{:.4},{:.0},{:.5},{},{:.2},{:.2}",
                    row.dimension,
                    row.bucket,
                    row.count,
                    row.count as f64 / n as f64,
                    row.balance,
                    row.balance_share,
                    row.balance / row.count as f64,
                    row.wa_pd_12m,
                    row.wa_rate.map_or_else(String::new, |r| format!("{r:.5}")),
                    row.wa_remaining_months,
                    row.wa_term_months
                );
            }
            let mean_pd = receivables.iter().map(pd_of).sum::<f64>() / n as f64;
            println!(
                "# past due: {past_due} ({:.4}); count-weighted mean PD {mean_pd:.5}",
                past_due as f64 / n as f64
            );
        }
        _ => {
            eprintln!("usage: read_tape gen N SEED FILE | read FILE | stats N SEED");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
