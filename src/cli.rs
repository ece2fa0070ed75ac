//! Command-line parsing (SPEC §1): raw arguments in, a job of [`crate::app`] out, and the
//! one place where errors become exit codes.

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::builder::{RangedU64ValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};

use crate::app::grid::{Axis, GridList};
use crate::app::partial::{Share, ShareSpec};
use crate::app::{
    self, AppError, FrontierRequest, GridRequest, MergeRequest, PathCount, PointShardRequest,
    RunRequest, ShardRequest, ShardResult,
};
use crate::i18n::{Lang, fill, tr};
use crate::report::format::cny;
use crate::scenario::overrides::Override;
use crate::units::{MAX_APPLICANTS, MAX_PATHS, MAX_RECEIVABLES, MAX_THREADS};

/// A count flag's parser: a whole number from 1 to `most` (the limits of [`crate::units`]),
/// so a flag out of range is a usage error naming the flag (exit code 2).
fn count_from_one_to(most: usize) -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..=most as u64)
}

/// As [`count_from_one_to`], for a count that is never 0.
fn nonzero_up_to(most: usize) -> impl TypedValueParser<Value = NonZeroUsize> {
    count_from_one_to(most).try_map(NonZeroUsize::try_from)
}

/// Securitization analytics for consumer instalment receivables.
#[derive(Debug, Parser)]
#[command(name = "baitiao-abs", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What `run` and `frontier` share: the scenario, the paths and seed that override its own,
/// the threads, the report folder and `--quiet`. Each value is checked here, so the request
/// made of them cannot be invalid.
#[derive(Debug, Args)]
pub struct ScenarioArgs {
    /// Scenario file (TOML).
    #[arg(default_value = "scenarios/base.toml")]
    pub scenario: PathBuf,
    /// Monte Carlo paths (overrides `[simulation] paths`), at most 10,000,000.
    #[arg(long, value_parser = count_from_one_to(MAX_PATHS).try_map(PathCount::new))]
    pub paths: Option<PathCount>,
    /// Master seed (overrides `[simulation] seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (speed only: results are identical for any count), at most 1,024.
    #[arg(long, value_parser = count_from_one_to(MAX_THREADS))]
    pub threads: Option<usize>,
    /// Report folder (default `reports/<scenario name>/`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar or summary table.
    #[arg(long)]
    pub quiet: bool,
    /// Language of the terminal summary, report.html and charts: en or zh (default: the
    /// scenario's `[report] lang`, else en).
    #[arg(long)]
    pub lang: Option<Lang>,
    /// Also write the folder's tables as one Excel workbook, `report.xlsx` (a sheet per CSV).
    #[arg(long)]
    pub xlsx: bool,
    /// Override a scenario value, `KEY=VALUE` with a TOML value
    /// (`assumptions.pd_multiplier=5.5`, `deal.principal="pro_rata"`); repeatable, checked
    /// like the file.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = Override::parse)]
    pub set: Vec<Override>,
}

impl ScenarioArgs {
    /// The request of `run` (or the part of `frontier`'s these flags make); `--threads` is
    /// the command line's to apply.
    fn request(self) -> RunRequest {
        RunRequest {
            scenario: self.scenario,
            paths: self.paths,
            seed: self.seed,
            out: self.out,
            quiet: self.quiet,
            lang: self.lang,
            overrides: self.set,
            xlsx: self.xlsx,
        }
    }
}

/// A list flag's parser: the values of one axis of `grid`, each checked here, so a bad list
/// is a usage error naming the flag (exit code 2).
fn grid_list(axis: Axis) -> impl TypedValueParser<Value = GridList> {
    clap::builder::StringValueParser::new().try_map(move |text| GridList::parse(&text, axis))
}

/// `grid`'s flags (SPEC §1, §7.4).
#[derive(Debug, Args)]
pub struct GridArgs {
    /// Scenario file (TOML).
    #[arg(default_value = "scenarios/base.toml")]
    pub scenario: PathBuf,
    /// Annual CDRs, comma-separated: numbers in [0, 1), `scenario` (the scenario's
    /// `[deterministic] cdr`, else each receivable's PD), or vectors by deal month in
    /// brackets, `[0.02 0.05 0.08]`. Default: `scenario`. At most 50 values.
    #[arg(long, value_name = "LIST", allow_hyphen_values = true, value_parser = grid_list(Axis::Cdr))]
    pub cdr: Option<GridList>,
    /// Annual CPRs, as `--cdr` (`scenario`: the `[deterministic] cpr`, else `[assumptions]`).
    #[arg(long, value_name = "LIST", allow_hyphen_values = true, value_parser = grid_list(Axis::Cpr))]
    pub cpr: Option<GridList>,
    /// Recovery rates in [0, 1], comma-separated, or `scenario`. Default: the scenario's.
    #[arg(long, value_name = "LIST", allow_hyphen_values = true, value_parser = grid_list(Axis::Recovery))]
    pub recovery: Option<GridList>,
    /// Yield haircuts (share of fees and interest lost) in [0, 1), comma-separated, or
    /// `scenario`. Default: the scenario's.
    #[arg(long, value_name = "LIST", allow_hyphen_values = true, value_parser = grid_list(Axis::YieldHaircut))]
    pub yield_haircut: Option<GridList>,
    /// Worker threads (speed only: results are identical for any count), at most 1,024.
    #[arg(long, value_parser = count_from_one_to(MAX_THREADS))]
    pub threads: Option<usize>,
    /// Report folder (default `reports/<scenario name>-grid/`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar or summary.
    #[arg(long)]
    pub quiet: bool,
    /// Override a scenario value, `KEY=VALUE` with a TOML value
    /// (`assumptions.pd_multiplier=5.5`, `deal.principal="pro_rata"`); repeatable, checked
    /// like the file.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = Override::parse)]
    pub set: Vec<Override>,
}

/// `--shard` and `--point`: `I/K` or `auto/K` (SPEC §9).
fn share_spec(text: &str) -> Result<ShareSpec, String> {
    ShareSpec::parse(text)
}

/// `run`'s flags: the shared ones, and a shard's (SPEC §9).
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: ScenarioArgs,
    /// Run only shard I (0-based) of K: a contiguous range of whole 4,096-path blocks,
    /// written to `--partial-out` for `merge`. `auto/K` reads I from SLURM_ARRAY_TASK_ID,
    /// JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(long, value_name = "I/K", value_parser = share_spec, requires = "partial_out", conflicts_with = "out")]
    pub shard: Option<ShareSpec>,
    /// The shard's partial folder (new, empty, or an earlier partial, which it replaces).
    #[arg(long, value_name = "DIR", requires = "shard")]
    pub partial_out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline on a scenario and write its report folder (or, with
    /// `--shard`, one shard's partial for `merge`).
    Run(RunArgs),
    /// Merge the partials of every shard of a run (or a frontier) into the single run's
    /// report folder: the same bytes, but for `summary.json`'s `split` record.
    Merge {
        /// The shards' partial folders (`--partial-out`), in any order.
        #[arg(required = true, num_args = 1..)]
        partials: Vec<PathBuf>,
        /// Report folder (default: as `run`, `reports/<scenario name>/`; for a frontier
        /// `reports/<scenario name>_frontier/`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (speed only), at most 1,024.
        #[arg(long, value_parser = count_from_one_to(MAX_THREADS))]
        threads: Option<usize>,
        /// No log of the partials found, no summary table.
        #[arg(long)]
        quiet: bool,
        /// Language of the summary and the report: en or zh (default: the scenario's
        /// `[report] lang`, else en).
        #[arg(long)]
        lang: Option<Lang>,
        /// Also write the folder's tables as one Excel workbook, `report.xlsx`.
        #[arg(long)]
        xlsx: bool,
    },
    /// Check a scenario and every file it names; run nothing.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Override a scenario value, `KEY=VALUE` with a TOML value
        /// (`assumptions.pd_multiplier=5.5`, `deal.principal="pro_rata"`); repeatable, checked
        /// like the file.
        #[arg(long = "set", value_name = "KEY=VALUE", value_parser = Override::parse)]
        set: Vec<Override>,
    },
    /// Write a receivables tape: synthetic Baitiao-like receivables, or the receivables the
    /// approved applicants of a file would draw (`--from-applicants`).
    GenTape {
        /// Number of synthetic receivables, at most 20,000,000.
        #[arg(
            long,
            required_unless_present = "from_applicants",
            value_parser = nonzero_up_to(MAX_RECEIVABLES)
        )]
        receivables: Option<NonZeroUsize>,
        /// Originate from these applicants instead (decided with `--model` and `--policy`).
        #[arg(long, conflicts_with = "receivables")]
        from_applicants: Option<PathBuf>,
        /// Credit model file for `--from-applicants` (default: the built-in scorecard).
        // `requires` alone is not enough: clap waives it when the required argument conflicts
        // with one given (`--receivables`), so the conflict is spelled out as well.
        #[arg(long, requires = "from_applicants", conflicts_with = "receivables")]
        model: Option<PathBuf>,
        /// Approval policy file for `--from-applicants` (default: the built-in policy).
        #[arg(long, requires = "from_applicants", conflicts_with = "receivables")]
        policy: Option<PathBuf>,
        /// Seed (the same seed gives the same tape).
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Output CSV file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a synthetic applicant population.
    GenApplicants {
        /// Number of applicants, at most 20,000,000.
        #[arg(long, value_parser = nonzero_up_to(MAX_APPLICANTS))]
        applicants: NonZeroUsize,
        /// Seed (the same seed gives the same population).
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Add `defaulted_12m`, drawn from the true model (a history file for `fit`).
        #[arg(long)]
        with_outcomes: bool,
        /// Output CSV file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a synthetic static-pool history (SPEC §2.4) from a documented true model, and
    /// optionally the truth beside it.
    GenHistory {
        /// Output CSV file.
        #[arg(long)]
        out: PathBuf,
        /// Seed of the vintages' systematic factors (the same seed gives the same bytes).
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Number of monthly vintages (default 48), at most 600.
        #[arg(long, value_parser = count_from_one_to(crate::history::generate::MAX_VINTAGES))]
        vintages: Option<usize>,
        /// Write the true model, the factors Z and each vintage's charge-off rate here (JSON).
        #[arg(long)]
        truth: Option<PathBuf>,
        /// The model's expected curves: every vintage at the mean charge-off rate, no noise.
        #[arg(long)]
        expected: bool,
        /// True-model parameters (TOML) overriding the defaults.
        #[arg(long)]
        params: Option<PathBuf>,
    },
    /// Calibrate the base case and the factor model from a static-pool history (SPEC §4.6):
    /// `calibration.toml`, `calibration.json`, `vintages.csv`, charts and `calibration.html`
    /// in a report folder.
    Calibrate {
        /// Static-pool history (CSV, SPEC §2.4).
        #[arg(long)]
        history: PathBuf,
        /// Receivables tape (SPEC §2.1) whose mix gives the PD scale's reference receivable,
        /// per segment where the tape has the history's segment (default: the base
        /// scenario's synthetic pool).
        #[arg(long)]
        tape: Option<PathBuf>,
        /// Output folder (default `reports/calibration`): new, empty, or an earlier report.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seed of the bootstrap of ρ (the same seed gives the same bytes).
        #[arg(long, default_value_t = app::calibrate::DEFAULT_CALIBRATION_SEED)]
        seed: u64,
        /// Bootstrap resamples of ρ's 90 % interval.
        #[arg(long, default_value_t = crate::calibrate::DEFAULT_BOOTSTRAP_RESAMPLES,
              value_parser = count_from_one_to(app::calibrate::MAX_BOOTSTRAP_RESAMPLES))]
        bootstrap: usize,
    },
    /// Fit the scorecard to a labelled history; prints AUC, KS and Gini and writes a
    /// calibration table beside the model.
    Fit {
        /// History file: applicants with `defaulted_12m`.
        #[arg(long)]
        history: PathBuf,
        /// Model file to write (TOML).
        #[arg(long)]
        out: PathBuf,
        /// Language of the terminal summary: en or zh.
        #[arg(long, default_value_t = Lang::En)]
        lang: Lang,
    },
    /// Compare report folders side by side: a table on the terminal, `comparison.csv`,
    /// `comparison.html` and the comparison charts.
    Compare {
        /// Report folders written by `run` (or `frontier`).
        #[arg(required = true, num_args = 1..)]
        report_dirs: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, default_value = crate::report::compare::DEFAULT_OUT)]
        out: PathBuf,
    },
    /// Decide on applicants: approve with a limit, decline with reasons, or pending.
    Decide {
        /// Applicants file (CSV).
        #[arg(long)]
        applicants: PathBuf,
        /// Credit model file (default: the built-in scorecard).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Approval policy file (default: the built-in policy, `scenarios/policy_default.toml`).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Decisions file to write (CSV).
        #[arg(long)]
        out: PathBuf,
        /// Language of the applicant messages and of the terminal summary: en or zh.
        #[arg(long, default_value_t = Lang::En)]
        lang: Lang,
    },
    /// Deterministic scenario matrix: the scenario's deterministic run at every combination
    /// of annual CDR × CPR × recovery rate × yield haircut; writes `grid.csv`, a heatmap of
    /// each tranche's loss share and WAL, and `grid.html`.
    Grid(GridArgs),
    /// Approval-policy frontier: for each score cut-off × limit multiplier of the scenario's
    /// `[frontier]` grid, approve the applicants, originate, simulate and size the deal; write
    /// `frontier.csv` and the recommended `approval_policy.toml`.
    // the shared flags read as they apply to a frontier
    #[command(
        mut_arg("scenario", |a| a.help("Scenario file (TOML): deal, assumptions, `[targets]` and `[frontier]`")),
        mut_arg("paths", |a| a.help("Monte Carlo paths per policy (overrides `[frontier] paths`), at most 10,000,000")),
        mut_arg("seed", |a| a.help("Seed of the origination draws and the paths (overrides `[simulation] seed`)")),
        mut_arg("out", |a| a.help("Report folder (default `reports/<scenario name>_frontier/`)")),
        mut_arg("quiet", |a| a.help("No progress bar or table")),
    )]
    Frontier {
        /// Applicants file (CSV).
        #[arg(long)]
        applicants: PathBuf,
        /// Credit model file (default: the scenario's `[credit] model`, else the built-in).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Base approval policy (default: the scenario's `[credit] policy`, else the built-in).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Evaluate only shard I (0-based) of K of the policy points, written to
        /// `--partial-out` for `merge`; `auto/K` as `run --shard`.
        #[arg(long, value_name = "I/K", value_parser = share_spec, requires = "partial_out", conflicts_with = "out")]
        point: Option<ShareSpec>,
        /// The shard's partial folder (new, empty, or an earlier partial, which it replaces).
        #[arg(long, value_name = "DIR", requires = "point")]
        partial_out: Option<PathBuf>,
        #[command(flatten)]
        common: ScenarioArgs,
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

/// `--threads`: the size of rayon's global pool (the parser holds it to 1..=[`MAX_THREADS`]).
fn set_threads(threads: Option<usize>) -> Result<(), AppError> {
    if let Some(threads) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .map_err(|e| AppError::Failure(e.into()))?;
    }
    Ok(())
}

fn dispatch(cli: Cli) -> Result<(), AppError> {
    match cli.command {
        Command::Run(RunArgs {
            common: args,
            shard: Some(shard),
            partial_out: Some(partial_out),
        }) => {
            set_threads(args.threads)?;
            let share = resolve_share(shard, "--shard")?;
            let result = app::run_shard(&ShardRequest {
                run: args.request(),
                share,
                partial_out,
            })?;
            shard_written(&result);
            Ok(())
        }
        Command::Run(RunArgs { common: args, .. }) => {
            set_threads(args.threads)?;
            let quiet = args.quiet;
            let result = app::run(&args.request())?;
            report_written(
                &result.warnings,
                quiet,
                &result.out_dir,
                &result.terminal_summary,
            );
            Ok(())
        }
        Command::Grid(args) => {
            set_threads(args.threads)?;
            let result = app::grid(&GridRequest {
                scenario: args.scenario,
                cdr: args.cdr,
                cpr: args.cpr,
                recovery: args.recovery,
                yield_haircut: args.yield_haircut,
                out: args.out,
                quiet: args.quiet,
                overrides: args.set,
            })?;
            report_written(
                &result.warnings,
                args.quiet,
                &result.out_dir,
                &result.terminal_summary,
            );
            Ok(())
        }
        Command::Validate { scenario, set } => {
            for line in app::validate(&scenario, &set)? {
                println!("{line}");
            }
            Ok(())
        }
        Command::GenTape {
            receivables,
            from_applicants,
            model,
            policy,
            seed,
            out,
        } => {
            match (from_applicants, receivables) {
                (Some(applicants), _) => {
                    let (read, written) = app::gen_tape_from_applicants(
                        &applicants,
                        model.as_deref(),
                        policy.as_deref(),
                        seed,
                        &out,
                    )?;
                    println!(
                        "{}: {written} receivables originated for the approved applicants among {read} in {} (seed {seed})",
                        out.display(),
                        applicants.display()
                    );
                }
                (None, Some(receivables)) => {
                    let written = app::gen_tape(receivables, seed, &out)?;
                    println!("{}: {written} receivables (seed {seed})", out.display());
                }
                // the parser requires `--receivables` without `--from-applicants`
                (None, None) => unreachable!("clap requires --receivables or --from-applicants"),
            }
            Ok(())
        }
        Command::GenApplicants {
            applicants,
            seed,
            with_outcomes,
            out,
        } => {
            let written = app::gen_applicants(applicants, seed, with_outcomes, &out)?;
            println!(
                "{}: {written} applicants (seed {seed}){}",
                out.display(),
                if with_outcomes {
                    " with 12-month outcomes"
                } else {
                    ""
                }
            );
            Ok(())
        }
        Command::GenHistory {
            out,
            seed,
            vintages,
            truth,
            expected,
            params,
        } => {
            let report = app::gen_history(&app::GenHistoryRequest {
                out: out.clone(),
                seed,
                vintages,
                truth,
                expected,
                params,
            })?;
            println!(
                "{}: {} vintages, {} rows, data date {} ({})",
                out.display(),
                report.vintages,
                report.rows,
                report.data_date,
                if expected {
                    "expected curves".to_owned()
                } else {
                    format!("seed {seed}")
                }
            );
            Ok(())
        }
        Command::Calibrate {
            history,
            tape,
            out,
            seed,
            bootstrap,
        } => {
            let out = out.unwrap_or_else(|| PathBuf::from(app::calibrate::DEFAULT_CALIBRATION_DIR));
            let (result, warnings) = app::calibrate::calibrate_history_file(
                &history,
                tape.as_deref(),
                out,
                seed,
                bootstrap,
            )?;
            for warning in &warnings {
                eprintln!("warning: {warning}");
            }
            for line in &result.lines {
                println!("{line}");
            }
            println!(
                "{}: calibration.toml, calibration.json, vintages.csv, charts/, calibration.html (seed {seed}, {bootstrap} resamples)",
                result.out_dir.display()
            );
            Ok(())
        }
        Command::Fit { history, out, lang } => {
            let report = app::fit(&history, &out, lang)?;
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            println!("{}", report.text);
            println!("model: {}", report.model_path.display());
            Ok(())
        }
        Command::Compare { report_dirs, out } => {
            let output = crate::report::compare::compare(&report_dirs, &out).map_err(|e| {
                if e.is_bad_input() {
                    AppError::Input(e.to_string())
                } else {
                    AppError::Failure(e.into())
                }
            })?;
            print!("{}", output.table);
            println!("Comparison: {}", output.out_dir.display());
            Ok(())
        }
        Command::Decide {
            applicants,
            model,
            policy,
            out,
            lang,
        } => {
            let summary =
                app::decide(&applicants, model.as_deref(), policy.as_deref(), lang, &out)?;
            for warning in &summary.warnings {
                eprintln!("warning: {warning}");
            }
            println!(
                "{}",
                fill(
                    tr(lang, "decide.summary"),
                    &[
                        ("out", &out.display()),
                        ("applicants", &summary.applicants),
                        ("approved", &summary.approved),
                        ("limits", &cny(summary.approved_limits)),
                        ("declined", &summary.declined),
                        ("pending", &summary.pending),
                    ],
                )
            );
            Ok(())
        }
        Command::Merge {
            partials,
            out,
            threads,
            quiet,
            lang,
            xlsx,
        } => {
            set_threads(threads)?;
            let result = app::merge(&MergeRequest {
                partials,
                out,
                quiet,
                lang,
                xlsx,
            })?;
            report_written(
                &result.warnings,
                quiet,
                &result.out_dir,
                &result.terminal_summary,
            );
            Ok(())
        }
        Command::Frontier {
            applicants,
            model,
            policy,
            point: Some(point),
            partial_out: Some(partial_out),
            common,
        } => {
            set_threads(common.threads)?;
            let share = resolve_share(point, "--point")?;
            let result = app::frontier_point_shard(&PointShardRequest {
                frontier: FrontierRequest {
                    common: common.request(),
                    applicants,
                    model,
                    policy,
                },
                share,
                partial_out,
            })?;
            shard_written(&result);
            Ok(())
        }
        Command::Frontier {
            applicants,
            model,
            policy,
            common,
            ..
        } => {
            set_threads(common.threads)?;
            let quiet = common.quiet;
            let report = app::frontier(&FrontierRequest {
                common: common.request(),
                applicants,
                model,
                policy,
            })?;
            report_written(
                &report.warnings,
                quiet,
                &report.out_dir,
                &report.terminal_summary,
            );
            Ok(())
        }
    }
}

/// `auto/K` resolved from the environment (a missing or bad index is a usage error).
fn resolve_share(spec: ShareSpec, flag: &str) -> Result<Share, AppError> {
    spec.resolve(flag, |name| std::env::var(name).ok())
        .map_err(AppError::Input)
}

/// After a shard: its warnings and what it did on its log (stderr), its partial folder on
/// stdout.
fn shard_written(result: &ShardResult) {
    for warning in &result.warnings {
        eprintln!("warning: {warning}");
    }
    eprintln!("{}", result.line);
    println!("{}", result.partial.display());
}

/// After `run` or `frontier`: the warnings on stderr, then the folder alone (`--quiet`) or
/// the summary on stdout.
fn report_written(warnings: &[String], quiet: bool, out_dir: &std::path::Path, summary: &str) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    if quiet {
        println!("{}", out_dir.display());
    } else {
        println!("{summary}");
    }
}
