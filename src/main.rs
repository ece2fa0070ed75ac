//! The `baitiao-abs` command: parses the command line and exits with the code
//! `baitiao_abs::cli::execute` returns (0 done, 2 bad input, 1 any other failure).

use clap::Parser;

fn main() {
    let cli = baitiao_abs::cli::Cli::parse();
    std::process::exit(baitiao_abs::cli::execute(cli));
}
