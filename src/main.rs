use clap::Parser;

fn main() {
    let cli = baitiao_abs::cli::Cli::parse();
    std::process::exit(baitiao_abs::cli::execute(cli));
}
