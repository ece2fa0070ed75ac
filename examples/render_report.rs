//! Redraws the charts and `report.html` of existing report folders from their files:
//! `cargo run --release --example render_report -- DIR...` (prints the time each took).

fn main() {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    if dirs.is_empty() {
        eprintln!("usage: render_report DIR...");
        std::process::exit(2);
    }
    for dir in dirs {
        let started = std::time::Instant::now();
        match baitiao_abs::report::render_charts_and_html(std::path::Path::new(&dir)) {
            Ok(rendered) => println!(
                "{dir}: {} charts and {} in {:.3} s",
                rendered.charts.len(),
                rendered.html.display(),
                started.elapsed().as_secs_f64()
            ),
            Err(error) => {
                eprintln!("error: {error}");
                std::process::exit(1);
            }
        }
    }
}
