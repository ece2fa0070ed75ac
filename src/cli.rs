//! Command-line parsing (SPEC §1): raw arguments in, a job of [`crate::app`] out, and the
//! one place where errors become exit codes.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::app::{self, AppError, RunOptions};

/// Securitization analytics for consumer instalment receivables.
#[derive(Debug, Parser)]
#[command(name = "baitiao-abs", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline on a scenario and write its report folder.
    Run {
        /// Scenario file (TOML).
        #[arg(default_value = "scenarios/base.toml")]
        scenario: PathBuf,
        /// Monte Carlo paths (overrides `[simulation] paths`).
        #[arg(long)]
        paths: Option<usize>,
        /// Master seed (overrides `[simulation] seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (speed only: results are identical for any count).
        #[arg(long)]
        threads: Option<usize>,
        /// Report folder (default `reports/<scenario name>/`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No progress bar or summary table.
        #[arg(long)]
        quiet: bool,
    },
    /// Check a scenario and every file it names; run nothing.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
    },
    /// Write a synthetic Baitiao-like receivables tape.
    GenTape {
        /// Number of receivables.
        #[arg(long)]
        receivables: usize,
        /// Seed (the same seed gives the same tape).
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Output CSV file.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs the parsed command; returns the process exit code.
pub fn execute(cli: Cli) -> i32 {
    match dispatch(cli) {
        Ok(()) => 0,
        Err(error) => {
            for line in error.to_string().lines() {
                eprintln!("error: {line}");
            }
            if let AppError::Failure(inner) = &error {
                for cause in inner.chain().skip(1) {
                    eprintln!("  caused by: {cause}");
                }
            }
            error.exit_code()
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), AppError> {
    match cli.command {
        Command::Run {
            scenario,
            paths,
            seed,
            threads,
            out,
            quiet,
        } => {
            if let Some(threads) = threads {
                if threads == 0 {
                    return Err(AppError::Input("--threads: must be at least 1".into()));
                }
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build_global()
                    .map_err(|e| AppError::Failure(e.into()))?;
            }
            let result = app::run(&RunOptions {
                scenario,
                paths,
                seed,
                out,
                quiet,
            })?;
            for warning in &result.warnings {
                eprintln!("warning: {warning}");
            }
            if quiet {
                println!("{}", result.out_dir.display());
            } else {
                println!("{}", result.terminal_summary);
            }
            Ok(())
        }
        Command::Validate { scenario } => {
            for line in app::validate(&scenario)? {
                println!("{line}");
            }
            Ok(())
        }
        Command::GenTape {
            receivables,
            seed,
            out,
        } => {
            let written = app::gen_tape(receivables, seed, &out)?;
            println!("{}: {written} receivables (seed {seed})", out.display());
            Ok(())
        }
    }
}
