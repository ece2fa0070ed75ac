//! The report stage on real report folders: every chart drawn with text and data (pixels,
//! not just files), SVGs that parse, a self-contained and complete `report.html`, a render
//! in headless Chromium without console errors, folders with only sizing or frontier files,
//! and `compare` on two scenarios run by the real binary.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use baitiao_abs::report::charts::{CHART_SIZE, tranche_colour};
use baitiao_abs::report::format::cny;
use baitiao_abs::report::render_charts_and_html;

const BIN: &str = env!("CARGO_BIN_EXE_baitiao-abs");

/// Paths per run: enough for every chart to have data, few enough to keep the test quick.
const PATHS: &str = "200";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scratch() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-tests")
}

fn binary(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the binary runs")
}

/// The base and stress_aaa scenarios, each run once by the real binary for all the tests,
/// with what each printed on the terminal.
struct Runs {
    base: PathBuf,
    stress: PathBuf,
    base_terminal: String,
    stress_terminal: String,
}

fn runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let root = scratch().join("runs");
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap();
        let mut folders = Vec::new();
        for (scenario, name) in [
            ("scenarios/base.toml", "base"),
            ("scenarios/stress_aaa.toml", "stress_aaa"),
        ] {
            let out = root.join(name);
            // not --quiet: the terminal summary is checked too (no progress bar off a TTY)
            let output = binary(&[
                "run",
                scenario,
                "--paths",
                PATHS,
                "--out",
                out.to_str().unwrap(),
            ]);
            assert!(
                output.status.success(),
                "run {scenario}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            folders.push((out, String::from_utf8_lossy(&output.stdout).into_owned()));
        }
        let (stress, stress_terminal) = folders.pop().unwrap();
        let (base, base_terminal) = folders.pop().unwrap();
        Runs {
            base,
            stress,
            base_terminal,
            stress_terminal,
        }
    })
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = fs::remove_dir_all(to);
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// A copy of the base run with the files sizing adds: `sizing.csv`, `sizing_curve.csv` and
/// the `sizing` and `treasury` objects of `summary.json`.
fn sized_folder(name: &str) -> PathBuf {
    let dir = scratch().join(name);
    copy_dir(&runs().base, &dir);
    fs::write(
        dir.join("sizing.csv"),
        "tranche,target_rating,share,amount,credit_enhancement,el,el_se,wal,target_el,feasible\n\
         A,Aaa,0.78,624000000,0.22,6.1e-7,1.1e-7,1.36,7.47e-7,true\n\
         B,A2,0.13,104000000,0.09,2.9e-4,3e-5,1.95,3.69e-4,true\n\
         Sub,,0.09,72000000,0,0.031,0.002,2.0,,true\n",
    )
    .unwrap();
    let mut curve = String::from("tranche,share,el,el_se,wal,target_el,meets\n");
    for i in 0..12 {
        let share = 0.70 + 0.01 * i as f64;
        let el = 6.1e-7 * ((share - 0.78) * 60.0).exp();
        let target = 7.0e-7 + 1e-8 * i as f64;
        curve.push_str(&format!(
            "A,{share},{el},{},1.36,{target},{}\n",
            el * 0.2,
            el <= target
        ));
    }
    for i in 0..10 {
        let share = 0.08 + 0.01 * i as f64;
        let el = 2.9e-4 * ((share - 0.13) * 40.0).exp();
        let target = 3.6e-4 + 2e-6 * i as f64;
        curve.push_str(&format!(
            "B,{share},{el},{},1.95,{target},{}\n",
            el * 0.1,
            el <= target
        ));
    }
    fs::write(dir.join("sizing_curve.csv"), curve).unwrap();
    let mut summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    summary["sizing"] = serde_json::json!({
        "funding_capacity": 728_000_000.0, "advance_rate": 0.91, "tranches": []
    });
    summary["treasury"] = serde_json::json!({
        "funding_capacity": 728_000_000.0, "funding_need": 750_000_000.0,
        "surplus": -22_000_000.0, "position": "shortfall", "gap": -22_000_000.0
    });
    fs::write(
        dir.join("summary.json"),
        serde_json::to_vec_pretty(&summary).unwrap(),
    )
    .unwrap();
    dir
}

/// A folder as `frontier` writes it: a manifest and `frontier.csv`, nothing else.
fn frontier_folder() -> PathBuf {
    let dir = scratch().join("frontier");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("summary.json"),
        r#"{"manifest": {"tool": "baitiao-abs", "version": "0.1.0", "scenario": "base",
            "inputs_digest": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "inputs": ["scenario scenarios/base.toml", "applicants applicants.csv"],
            "seed": 7, "paths": 1000}}"#,
    )
    .unwrap();
    let mut csv = String::from(
        "cutoff,limit_multiplier,applicants,approved,approval_rate,approved_limits,pool_balance,weighted_pd,pool_el,senior_credit_enhancement,funding_capacity,advance_rate,meets_targets,recommended\n",
    );
    for multiplier in [0.8, 1.0, 1.2] {
        for cutoff in (540..=680).step_by(20) {
            let c = cutoff as f64;
            let approval = 1.0 / (1.0 + ((c - 600.0) / 30.0).exp());
            let approved = (50_000.0 * approval).round();
            let pd = 0.05 * (-(c - 540.0) / 60.0).exp();
            let el = 0.9 * pd;
            let limits = approved * 8_000.0 * multiplier;
            let ce = (0.05 + 4.0 * el).min(0.4);
            let meets = el < 0.02;
            let recommended = cutoff == 600 && multiplier == 1.0;
            csv.push_str(&format!(
                "{cutoff},{multiplier},50000,{approved},{approval},{limits},{},{pd},{el},{ce},{},{},{meets},{recommended}\n",
                0.6 * limits,
                0.6 * limits * (1.0 - ce),
                1.0 - ce,
            ));
        }
    }
    fs::write(dir.join("frontier.csv"), csv).unwrap();
    dir
}

/// What a PNG shows, counted.
struct PixelCensus {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl PixelCensus {
    fn read(path: &Path) -> PixelCensus {
        let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut buffer = vec![0; reader.output_buffer_size().expect("a buffer size")];
        let info = reader.next_frame(&mut buffer).expect("PNG pixel data");
        assert_eq!(info.bit_depth, png::BitDepth::Eight, "{}", path.display());
        let channels = match info.color_type {
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            other => panic!("{}: unexpected colour type {other:?}", path.display()),
        };
        let rgb = buffer[..info.buffer_size()]
            .chunks(channels)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        PixelCensus {
            width: info.width,
            height: info.height,
            rgb,
        }
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = 3 * (y * self.width + x) as usize;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    fn share_not_white(&self) -> f64 {
        let total = (self.width * self.height) as f64;
        let drawn = self.rgb.chunks(3).filter(|p| p != &[255, 255, 255]).count();
        drawn as f64 / total
    }

    fn distinct_colours(&self) -> usize {
        self.rgb
            .chunks(3)
            .map(|p| (p[0], p[1], p[2]))
            .collect::<HashSet<_>>()
            .len()
    }

    fn count_colour(&self, colour: [u8; 3]) -> usize {
        self.rgb.chunks(3).filter(|p| *p == colour).count()
    }

    /// Dark pixels (text or axis lines) in a band of rows.
    fn dark_in_rows(&self, rows: std::ops::Range<u32>) -> usize {
        rows.flat_map(|y| (0..self.width).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let [r, g, b] = self.pixel(x, y);
                (r as u32 + g as u32 + b as u32) < 3 * 110
            })
            .count()
    }
}

/// Checks a chart's PNG shows a title, axes or legend text and data, and its SVG parses
/// with text elements; returns the PNG's census for chart-specific checks.
fn check_chart(dir: &Path, name: &str) -> PixelCensus {
    let png_path = dir.join("charts").join(format!("{name}.png"));
    let svg_path = dir.join("charts").join(format!("{name}.svg"));
    for path in [&png_path, &svg_path] {
        let size = fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .len();
        assert!(size > 1_000, "{}: only {size} bytes", path.display());
    }
    let census = PixelCensus::read(&png_path);
    assert_eq!((census.width, census.height), CHART_SIZE, "{name}");
    let drawn = census.share_not_white();
    assert!(
        (0.02..0.9).contains(&drawn),
        "{name}: {:.1} % of the pixels drawn",
        100.0 * drawn
    );
    let colours = census.distinct_colours();
    assert!(colours >= 12, "{name}: only {colours} distinct colours");
    // the title is dark text across the top rows, centred
    let title = census.dark_in_rows(0..34);
    assert!(
        title >= 150,
        "{name}: {title} dark pixels in the title band"
    );
    // axis descriptions and tick labels: dark text in the bottom band
    let bottom = census.dark_in_rows(CHART_SIZE.1 - 80..CHART_SIZE.1);
    assert!(
        bottom >= 150,
        "{name}: {bottom} dark pixels in the bottom band"
    );

    let svg = fs::read_to_string(&svg_path).unwrap();
    let document = roxmltree::Document::parse(&svg)
        .unwrap_or_else(|e| panic!("{}: not well-formed XML: {e}", svg_path.display()));
    assert_eq!(document.root_element().tag_name().name(), "svg");
    let texts: Vec<String> = document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_string())
        .collect();
    assert!(texts.len() >= 8, "{name}: {} <text> elements", texts.len());
    assert!(
        texts
            .iter()
            .any(|t| t.len() >= 20 && t.split(' ').count() >= 3),
        "{name}: no title text in the SVG: {texts:?}"
    );
    census
}

/// Every tranche's colour is drawn (lines, bars or legend swatches).
fn assert_tranche_colours(census: &PixelCensus, name: &str, tranches: usize) {
    for i in 0..tranches {
        let c = tranche_colour(i);
        let count = census.count_colour([c.0, c.1, c.2]);
        assert!(
            count >= 150,
            "{name}: tranche {i}'s colour on only {count} pixels"
        );
    }
}

/// The charts of a run whose rated tranches have target ratings (so `run` sizes them).
const RUN_CHARTS: [&str; 7] = [
    "pool_loss_distribution",
    "tranche_loss_exceedance",
    "expected_cashflows",
    "pool_balance",
    "tranche_balances",
    "sizing",
    "rating_test",
];

/// The rating test's chart sits in the rating section (not among the other charts), one
/// panel per rated tranche, and its caption names each tranche's implied rating as
/// `rating_tests.csv` has it (the best rating it passes).
/// Every run's `summary.json` reads into the typed schema every reader shares and writes
/// back to the same bytes: no key the schema drops, none it adds, numbers unchanged.
#[test]
fn run_summaries_round_trip_through_their_schema() {
    use baitiao_abs::report::summary::{self, Summary};
    for dir in [&runs().base, &runs().stress] {
        let path = dir.join("summary.json");
        let text = fs::read_to_string(&path).unwrap();
        let read = Summary::parse(&path, &text).unwrap();
        assert!(read.monte_carlo.is_some() && read.grid.is_none());
        assert_eq!(
            String::from_utf8(summary::to_bytes(&read).unwrap()).unwrap(),
            text
        );
    }
}

#[test]
fn rating_test_chart_sits_with_the_rating_test() {
    let base = &runs().base;
    let html = fs::read_to_string(base.join("report.html")).unwrap();
    let rating = html.find("<section id=\"rating\">").unwrap();
    let charts = html.find("<section id=\"charts\">").unwrap();
    let figure = html.find("<figure id=\"chart-rating_test\">").unwrap();
    assert!(
        rating < figure && figure < charts,
        "the figure is in the rating section"
    );
    assert_eq!(html.matches("<figure id=\"chart-rating_test\">").count(), 1);
    let (_, rows) = read_csv(&base.join("rating_tests.csv"));
    for tranche in ["A", "B"] {
        let implied = rows
            .iter()
            .find(|r| &r[0] == tranche && &r[r.len() - 1] == "true")
            .map(|r| r[1].to_string());
        let words = match implied {
            Some(r) => format!("{tranche} passes {r} and below"),
            None => format!("{tranche} passes no rating of the table"),
        };
        assert!(
            html[figure..charts].contains(&words),
            "caption lacks `{words}`"
        );
    }
}

#[test]
fn run_writes_every_chart_with_text_and_data() {
    let base = &runs().base;
    for name in RUN_CHARTS {
        let census = check_chart(base, name);
        if matches!(
            name,
            "tranche_loss_exceedance" | "expected_cashflows" | "tranche_balances"
        ) {
            assert_tranche_colours(&census, name, 3);
        }
        if matches!(name, "sizing" | "rating_test") {
            // the two rated tranches
            assert_tranche_colours(&census, name, 2);
        }
    }
    // no frontier file in a run: no frontier chart
    assert!(!base.join("charts/frontier.png").exists());
    // the stressed run draws its own charts too
    for name in RUN_CHARTS {
        check_chart(&runs().stress, name);
    }
}

#[test]
fn sizing_chart_and_section_follow_the_sizing_files() {
    // without the sizing files and summary entries: no chart, and the report says so
    let not_sized = scratch().join("unsized");
    copy_dir(&runs().base, &not_sized);
    for file in ["sizing.csv", "sizing_curve.csv"] {
        let _ = fs::remove_file(not_sized.join(file));
    }
    let mut summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(not_sized.join("summary.json")).unwrap()).unwrap();
    let object = summary.as_object_mut().unwrap();
    object.remove("sizing");
    object.remove("treasury");
    fs::write(
        not_sized.join("summary.json"),
        serde_json::to_vec_pretty(&summary).unwrap(),
    )
    .unwrap();
    let rendered = render_charts_and_html(&not_sized).unwrap();
    assert!(
        !rendered.charts.contains(&"sizing"),
        "{:?}",
        rendered.charts
    );
    let html = fs::read_to_string(not_sized.join("report.html")).unwrap();
    assert!(html.contains("This run did not size the tranches"));
    assert!(!html.contains("id=\"chart-sizing\""));

    // with hand-written sizing files and a treasury need
    let dir = sized_folder("sized");
    let rendered = render_charts_and_html(&dir).unwrap();
    assert!(rendered.charts.contains(&"sizing"), "{:?}", rendered.charts);
    let census = check_chart(&dir, "sizing");
    assert_tranche_colours(&census, "sizing", 2);
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert_self_contained(&html, "report.html");
    for expected in [
        "Sizing and funding capacity",
        "728,000,000 CNY",
        "91.0 %",
        "750,000,000 CNY",
        "id=\"chart-sizing\"",
        "<li class=\"bad\">Funding capacity 728,000,000 CNY falls short of the treasury's funding need of 750,000,000 CNY: shortfall 22,000,000 CNY.</li>",
        "<div class=\"label\">Funding shortfall</div><div class=\"value bad\">22,000,000 CNY</div>",
    ] {
        assert!(html.contains(expected), "report.html lacks {expected}");
    }
    // a folder of an earlier version has only `gap`, with the same sign as `surplus`
    let mut summary = read_summary(&dir);
    let treasury = summary["treasury"].as_object_mut().unwrap();
    treasury.remove("surplus");
    treasury.remove("position");
    fs::write(
        dir.join("summary.json"),
        serde_json::to_vec_pretty(&summary).unwrap(),
    )
    .unwrap();
    render_charts_and_html(&dir).unwrap();
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains(
        "falls short of the treasury's funding need of 750,000,000 CNY: shortfall 22,000,000 CNY"
    ));
    assert!(!html.contains("capacity covers the need"));
}

fn read_summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// Checks a run's treasury reads the same in `summary.json`, on the terminal and in
/// `report.html`: surplus = funding capacity − funding need, named by its sign.
fn check_treasury_everywhere(dir: &Path, terminal: &str, expect_surplus: bool) {
    let summary = read_summary(dir);
    let t = &summary["treasury"];
    let capacity = t["funding_capacity"].as_f64().unwrap();
    let need = t["funding_need"].as_f64().unwrap();
    let surplus = t["surplus"].as_f64().unwrap();
    assert!(
        (surplus - (capacity - need)).abs() < 0.011,
        "surplus {surplus} is not capacity {capacity} − need {need}"
    );
    assert_eq!(surplus >= 0.0, expect_surplus, "{t}");
    let word = if expect_surplus {
        "surplus"
    } else {
        "shortfall"
    };
    assert_eq!(t["position"], word);
    assert_eq!(
        t["gap"], t["surplus"],
        "the earlier name keeps the same sign"
    );
    assert_eq!(t["meets_funding_need"], expect_surplus);

    let words = format!("{word} {} CNY", cny(surplus.abs()));
    assert!(
        terminal
            .lines()
            .any(|l| l.starts_with("Treasury (") && l.contains(&words)),
        "terminal lacks `{words}`:\n{terminal}"
    );

    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    let (class, verb) = if expect_surplus {
        ("good", "covers")
    } else {
        ("bad", "falls short of")
    };
    let finding = format!(
        "<li class=\"{class}\">Funding capacity {} CNY {verb} the treasury's funding need of {} CNY: {words}.</li>",
        cny(capacity),
        cny(need)
    );
    assert!(html.contains(&finding), "report.html lacks {finding}");
    let fact = format!(
        "<div class=\"label\">Funding {word}</div><div class=\"value {class}\">{} CNY</div>",
        cny(surplus.abs())
    );
    assert!(html.contains(&fact), "report.html lacks {fact}");
    let wrong = if expect_surplus {
        "need above capacity"
    } else {
        "capacity covers the need"
    };
    assert!(!html.contains(wrong), "report.html says `{wrong}`");
}

#[test]
fn treasury_surplus_reads_as_a_surplus_everywhere() {
    // base.toml: a funding need of 300 m against a capacity of about 797 m
    check_treasury_everywhere(&runs().base, &runs().base_terminal, true);
}

#[test]
fn treasury_shortfall_reads_as_a_shortfall_everywhere() {
    let dir = scratch().join("shortfall");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let base = fs::read_to_string(repo().join("scenarios/base.toml")).unwrap();
    // written outside scenarios/: the calibration it reads is named by its absolute path
    let needy = base
        .replace("funding_need = 300_000_000", "funding_need = 900_000_000")
        .replace(
            "calibration = \"../data/base_calibration.toml\"",
            &format!(
                "calibration = \"{}\"",
                repo().join("data/base_calibration.toml").display()
            ),
        );
    assert_ne!(base, needy, "base.toml has a funding need to raise");
    let scenario = dir.join("needy.toml");
    fs::write(&scenario, needy).unwrap();
    let out = dir.join("report");
    let output = binary(&[
        "run",
        scenario.to_str().unwrap(),
        "--paths",
        "100",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // the notes cannot exceed the 800 m pool: a shortfall of at least 100 m
    check_treasury_everywhere(&out, &String::from_utf8_lossy(&output.stdout), false);
}

/// No reference to anything outside the file: no URLs, stylesheets, scripts, images,
/// fonts or frames; in-page anchors only.
fn assert_self_contained(html: &str, label: &str) {
    let lower = html.to_lowercase();
    for forbidden in [
        "http:",
        "https:",
        "file:",
        "//cdn",
        "<link",
        "<script",
        "@import",
        "url(",
        "src=",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "xlink:href",
        "@font-face",
    ] {
        assert!(
            !lower.contains(forbidden),
            "{label} refers outside itself: `{forbidden}`"
        );
    }
    for (i, _) in lower.match_indices("href=") {
        assert!(
            lower[i..].starts_with("href=\"#"),
            "{label}: a link that is not an in-page anchor: {}",
            &html[i..(i + 60).min(html.len())]
        );
    }
}

#[test]
fn report_html_is_self_contained_and_complete() {
    let base = &runs().base;
    let html = fs::read_to_string(base.join("report.html")).unwrap();
    assert_self_contained(&html, "report.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    for tranche in ["A", "B", "Sub"] {
        assert!(
            html.contains(&format!("<td>{tranche}</td>")),
            "report.html has no row for tranche {tranche}"
        );
    }
    for chart in RUN_CHARTS {
        let start = html
            .find(&format!("<figure id=\"chart-{chart}\">"))
            .unwrap_or_else(|| panic!("report.html lacks the chart {chart}"));
        let figure = &html[start..start + html[start..].find("</figure>").unwrap()];
        assert!(
            figure.contains("<svg") && figure.contains("</svg>") && figure.contains("<text"),
            "{chart} is not inline SVG with text"
        );
        assert!(figure.contains("<figcaption>"), "{chart} has no caption");
    }
    assert_eq!(html.matches("<svg").count(), RUN_CHARTS.len());
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(base.join("summary.json")).unwrap()).unwrap();
    let digest = summary["manifest"]["inputs_digest"].as_str().unwrap();
    for expected in [
        "Deal summary",
        "Assumptions",
        "Tranches",
        "EL ± SE",
        "Implied",
        "Stress results and breakevens",
        "Breakeven PD multiple",
        "Methodology and limits",
        "Reproducibility",
        "20151024",
        digest,
        "baitiao-abs run scenarios/base.toml --paths 200 --seed 20151024",
        "800,000,000",
        "@media print",
        "Sizing and funding capacity",
        "Funding capacity",
        "Sized share",
    ] {
        assert!(html.contains(expected), "report.html lacks `{expected}`");
    }
    // no trace of the temporary folder the run rendered into
    assert!(
        !html.contains(".tmp-"),
        "report.html names the temporary folder"
    );
}

#[test]
fn frontier_folder_renders_its_chart_and_a_report() {
    let dir = frontier_folder();
    let rendered = render_charts_and_html(&dir).unwrap();
    assert_eq!(rendered.charts, vec!["frontier"]);
    let census = check_chart(&dir, "frontier");
    // one line colour per limit multiplier
    for c in &baitiao_abs::report::charts::SERIES_PALETTE[..3] {
        assert!(census.count_colour([c.0, c.1, c.2]) >= 150);
    }
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert_self_contained(&html, "frontier report.html");
    for expected in [
        "Approval-policy frontier",
        "<tr class=\"highlight\">",
        "recommended",
        "id=\"chart-frontier\"",
        "Reproducibility",
    ] {
        assert!(
            html.contains(expected),
            "frontier report lacks `{expected}`"
        );
    }
    // a frontier folder is never reproduced by `run` (which would write reports/<scenario>)
    assert!(!html.contains("baitiao-abs run"), "{html}");
    // this grid's advance rate rises with the cut-off (the senior CE falls with the EL)
    assert!(
        html.contains("the advance rate rises from 77.0 % to 93.3 %"),
        "{html}"
    );

    // the same grid with a flat advance rate: the caption must say so, not that it rises
    let csv = fs::read_to_string(dir.join("frontier.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let column = header.split(',').position(|c| c == "advance_rate").unwrap();
    let mut flat = format!("{header}\n");
    for line in lines {
        let mut cells: Vec<&str> = line.split(',').collect();
        cells[column] = "0.999";
        flat.push_str(&cells.join(","));
        flat.push('\n');
    }
    fs::write(dir.join("frontier.csv"), flat).unwrap();
    render_charts_and_html(&dir).unwrap();
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    let start = html.find("<figcaption>").unwrap();
    let caption = &html[start..start + html[start..].find("</figcaption>").unwrap()];
    assert!(
        caption.contains("the advance rate stays at 99.9 %"),
        "{caption}"
    );
    assert!(
        !caption.contains("advance rate rises") && !caption.contains("lifts the advance rate"),
        "{caption}"
    );
}

/// The Chromium of the machine (`CHROMIUM` names another), if any.
fn chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|candidate| candidate.is_file())
}

/// Runs headless Chromium on a local page with `extra` arguments; returns its stderr.
fn headless(browser: &Path, page: &Path, profile: &Path, extra: &[String]) -> (String, String) {
    let mut args: Vec<String> = [
        "120",
        browser.to_str().unwrap(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.extend(extra.iter().cloned());
    args.push(format!("file://{}", page.display()));
    let output = Command::new("timeout")
        .args(&args)
        .output()
        .expect("timeout and chromium run");
    assert!(
        output.status.success(),
        "chromium failed on {}: {}",
        page.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Console messages (errors, uncaught exceptions) in Chromium's log.
fn console_errors(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect()
}

#[test]
fn browser_renders_the_report_without_console_errors() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium: .ci/run installs Debian's chromium"
        );
        println!("SKIPPED browser test: no chromium on this machine (CI installs it)");
        return;
    };
    let work = scratch().join("browser");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).unwrap();
    let profile = work.join("profile");

    // the log check catches a page that does log errors
    let bad = work.join("bad.html");
    fs::write(
        &bad,
        "<html><body><script>console.error('boom'); missingFunction();</script></body></html>",
    )
    .unwrap();
    let (_, log) = headless(&browser, &bad, &profile, &["--dump-dom".into()]);
    assert!(
        console_errors(&log).len() >= 2,
        "the console check sees nothing on a failing page: {log}"
    );

    let dir = sized_folder("browser-report");
    render_charts_and_html(&dir).unwrap();
    let page = dir.join("report.html").canonicalize().unwrap();
    let screenshot = work.join("report.png");
    let (_, log) = headless(
        &browser,
        &page,
        &profile,
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1200,2000".into(),
        ],
    );
    assert_eq!(console_errors(&log), Vec::<String>::new(), "console errors");
    let census = PixelCensus::read(&screenshot);
    assert_eq!((census.width, census.height), (1200, 2000));
    assert!(
        census.share_not_white() > 0.05,
        "the screenshot is nearly blank: {:.1} % drawn",
        100.0 * census.share_not_white()
    );
    assert!(
        census.distinct_colours() > 50,
        "the screenshot has only {} colours",
        census.distinct_colours()
    );
    assert!(
        census.dark_in_rows(0..200) > 2_000,
        "no heading text at the top"
    );

    // the DOM Chromium built has every section and every chart
    let (dom, log) = headless(&browser, &page, &profile, &["--dump-dom".into()]);
    assert_eq!(console_errors(&log), Vec::<String>::new(), "console errors");
    assert!(dom.contains("Reproducibility") && dom.contains("Sizing and funding capacity"));
    assert_eq!(dom.matches("<svg").count(), RUN_CHARTS.len());
}

#[test]
fn compare_two_scenarios() {
    let runs = runs();
    let out = scratch().join("compare");
    let _ = fs::remove_dir_all(&out);
    let output = binary(&[
        "compare",
        runs.base.to_str().unwrap(),
        runs.stress.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "compare: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // the terminal table: one column per scenario, one row per metric
    let header = stdout.lines().next().unwrap();
    assert!(
        header.contains("base") && header.contains("stress_aaa"),
        "{header}"
    );
    for metric in ["pool EL", "pool VaR 99 %", "A EL", "B implied rating"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(metric)),
            "no `{metric}` row:\n{stdout}"
        );
    }
    assert!(stdout.contains(&format!("Comparison: {}", out.display())));
    // each folder's whole name, however long (the table would clip it)
    for (label, folder) in [("base", &runs.base), ("stress_aaa", &runs.stress)] {
        assert!(
            stdout.contains(&format!("{label}: {}", folder.display())),
            "{stdout}"
        );
    }

    // comparison.csv: one row per scenario, one column per quantity, its unit in its name;
    // every column but the text ones holds plain numbers (what pandas loads as numbers)
    let mut reader = csv::Reader::from_path(out.join("comparison.csv")).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        header[..4],
        ["scenario", "folder", "inputs_digest", "seed"],
        "{header:?}"
    );
    assert_eq!(records.len(), 2);
    assert_eq!((&records[0][0], &records[1][0]), ("base", "stress_aaa"));
    let text_columns = ["scenario", "folder", "inputs_digest"];
    for (i, column) in header.iter().enumerate() {
        if text_columns.contains(&column.as_str()) || column.ends_with("_rating") {
            continue;
        }
        for record in &records {
            let cell = &record[i];
            assert!(
                cell.is_empty() || cell.parse::<f64>().is_ok(),
                "comparison.csv: `{column}` holds `{cell}`, not a number"
            );
            assert!(
                !cell.contains('%') && !cell.contains(',') && !cell.contains(' '),
                "{column}: {cell}"
            );
        }
    }
    for column in [
        "closing_balance_cny",
        "pool_el_share",
        "funding_capacity_cny",
        "A_wal_years",
        "weighted_pd_12m_tape",
        "weighted_pd_12m_stressed",
    ] {
        assert!(
            header.iter().any(|h| h == column),
            "no `{column}`: {header:?}"
        );
    }
    let column = |name: &str| -> Vec<f64> {
        let i = header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("comparison.csv lacks {name}"));
        records.iter().map(|r| r[i].parse().unwrap()).collect()
    };
    let pool_el = column("pool_el_share");
    assert!(
        pool_el[1] > 2.0 * pool_el[0],
        "AAA stresses raise the pool EL: {pool_el:?}"
    );
    // base's calibrated PD scale, and stress_aaa's 5.5 times it
    let base_scale = baitiao_abs::scenario::load(&repo().join("scenarios/base.toml"))
        .unwrap()
        .scenario
        .assumptions
        .pd_multiplier;
    // (comparison.csv writes ten decimals)
    let multipliers = column("pd_multiplier");
    assert!(
        (multipliers[0] - base_scale).abs() < 1e-9
            && (multipliers[1] - 5.5 * base_scale).abs() < 1e-9,
        "{multipliers:?}"
    );
    let capacity = column("funding_capacity_cny");
    assert!(
        capacity[1] < capacity[0],
        "AAA stresses cut the funding capacity: {capacity:?}"
    );
    // the residual tranche is not rated: no implied rating for it in any scenario
    assert!(
        !header.iter().any(|h| h == "Sub_implied_rating"),
        "{header:?}"
    );

    for name in ["compare_metrics", "compare_tranche_el"] {
        let census = check_chart(&out, name);
        // one colour per scenario, the same in both charts
        for c in &baitiao_abs::report::charts::SERIES_PALETTE[..2] {
            assert!(
                census.count_colour([c.0, c.1, c.2]) >= 150,
                "{name}: a scenario's colour is missing"
            );
        }
    }
    let html = fs::read_to_string(out.join("comparison.html")).unwrap();
    assert_self_contained(&html, "comparison.html");
    for expected in [
        "base",
        "stress_aaa",
        "pool EL",
        "id=\"chart-compare_metrics\"",
    ] {
        assert!(
            html.contains(expected),
            "comparison.html lacks `{expected}`"
        );
    }
    assert_eq!(html.matches("<svg").count(), 2);
    // written atomically: no temporary folder left beside it
    let leftovers: Vec<_> = fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn compare_rejects_a_folder_that_is_not_a_report() {
    let runs = runs();
    let root = scratch().join("bad-compare");
    let _ = fs::remove_dir_all(&root);
    let empty = root.join("empty");
    fs::create_dir_all(&empty).unwrap();
    let out = root.join("out");
    for (bad, rule) in [
        (empty.clone(), "no summary.json"),
        (root.join("missing"), "no such folder"),
    ] {
        let output = binary(&[
            "compare",
            runs.base.to_str().unwrap(),
            bad.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(bad.to_str().unwrap()) && stderr.contains(rule),
            "{stderr}"
        );
        assert!(!out.exists(), "nothing written on bad input");
    }
    // a summary.json that is not a run's summary
    fs::write(empty.join("summary.json"), "{\"tranches\": []}").unwrap();
    let output = binary(&[
        "compare",
        empty.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("manifest"));
}

/// Reads a CSV file into its header and records.
fn read_csv(path: &Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    (header, reader.records().map(Result::unwrap).collect())
}

/// The stressed PD is shown beside the tape's, labelled, in `summary.json`, on the terminal
/// and in `report.html`: base multiplies every PD by its calibrated PD scale, stress_aaa by
/// 5.5 times that.
#[test]
fn the_stressed_pd_the_model_uses_is_shown_beside_the_tape_pd() {
    let multiplier_of = |scenario: &str| {
        baitiao_abs::scenario::load(&repo().join(scenario))
            .unwrap()
            .scenario
            .assumptions
            .pd_multiplier
    };
    let base_multiplier = multiplier_of("scenarios/base.toml");
    let multiplier = multiplier_of("scenarios/stress_aaa.toml");
    assert!((multiplier - 5.5 * base_multiplier).abs() < 1e-12);
    let prepared = baitiao_abs::app::prepare(&repo().join("scenarios/stress_aaa.toml")).unwrap();
    let pool = &prepared.pool;
    let tape = pool.weighted_pd();
    // Σ balance × min(pd × multiplier, 0.999) ÷ closing balance, as the model caps it
    let stressed_at = |multiplier: f64| {
        pool.assets
            .iter()
            .map(|a| a.balance * (a.pd_12m * multiplier).min(0.999))
            .sum::<f64>()
            / pool.closing_balance
    };
    let stressed = stressed_at(multiplier);
    assert!(stressed > 5.0 * tape, "{stressed} vs tape {tape}");

    for (dir, terminal, expected_multiplier, expected_stressed) in [
        (
            &runs().stress,
            &runs().stress_terminal,
            multiplier,
            stressed,
        ),
        (
            &runs().base,
            &runs().base_terminal,
            base_multiplier,
            stressed_at(base_multiplier),
        ),
    ] {
        let summary = read_summary(dir);
        let pool_json = &summary["pool"];
        assert_eq!(pool_json["weighted_pd_12m"].as_f64(), Some(tape));
        assert_eq!(
            pool_json["pd_multiplier"].as_f64(),
            Some(expected_multiplier)
        );
        let written = pool_json["weighted_pd_12m_stressed"].as_f64().unwrap();
        assert!(
            (written - expected_stressed).abs() < 1e-12,
            "{written} vs {expected_stressed}"
        );
        let line = format!(
            "weighted 12-month PD: tape {:.2}%, stressed {:.2}% (× PD multiplier {expected_multiplier}, used by the model)",
            100.0 * tape,
            100.0 * written
        );
        assert!(terminal.contains(&line), "`{line}` not in:\n{terminal}");
        let html = fs::read_to_string(dir.join("report.html")).unwrap();
        for fact in [
            format!(
                "<div class=\"label\">Tape 12-month PD</div><div class=\"value\">{:.2} %</div>",
                100.0 * tape
            ),
            format!(
                "<div class=\"label\">Stressed 12-month PD</div><div class=\"value\">{:.2} %</div><div class=\"sub\">used by the model: tape PDs × PD multiplier {expected_multiplier}",
                100.0 * written
            ),
        ] {
            assert!(html.contains(&fact), "report.html lacks {fact}");
        }
    }
}

/// The residual tranche has no coupon and is not rated: an empty `implied_rating` in
/// `tranches.csv`, `null` in `summary.json`, "not rated" on the terminal and in the report.
#[test]
fn the_residual_tranche_is_not_rated() {
    for (dir, terminal) in [
        (&runs().base, &runs().base_terminal),
        (&runs().stress, &runs().stress_terminal),
    ] {
        let (header, records) = read_csv(&dir.join("tranches.csv"));
        let rating = header.iter().position(|h| h == "implied_rating").unwrap();
        let (residual, rated) = records.split_last().unwrap();
        assert_eq!(&residual[0], "Sub");
        assert_eq!(&residual[rating], "", "the residual's implied rating");
        for record in rated {
            assert!(!record[rating].is_empty(), "{record:?}");
        }
        let summary = read_summary(dir);
        let tranches = summary["monte_carlo"]["tranches"].as_array().unwrap();
        let last = tranches.last().unwrap();
        assert!(last["implied_rating"].is_null(), "{last}");
        assert_eq!(last["rated"], false);
        assert!(
            tranches[..tranches.len() - 1]
                .iter()
                .all(|t| t["rated"] == true && t["implied_rating"].is_string())
        );
        let sub = terminal
            .lines()
            .filter(|l| l.starts_with("Sub "))
            .nth(1)
            .expect("the Monte Carlo table's Sub row");
        assert!(sub.ends_with("not rated"), "{sub}");
        let html = fs::read_to_string(dir.join("report.html")).unwrap();
        let start = html.find("<tr><td>Sub</td>").unwrap();
        let row = &html[start..start + html[start..].find("</tr>").unwrap()];
        assert!(row.contains("not rated"), "{row}");
        for rating in [
            "Aaa",
            "Aa",
            "A1",
            "A2",
            "A3",
            "Baa",
            "Ba",
            "B1",
            "B2",
            "B3",
            "below scale",
        ] {
            assert!(
                !row.contains(rating),
                "the residual row shows {rating}: {row}"
            );
        }
    }
}

/// A number is a number where it is written: the advance rate is the exact sum of the sized
/// shares (whole steps of 0.05 %, no bisection midpoints), and money is rounded to cents.
#[test]
fn sized_shares_and_money_are_written_as_a_spreadsheet_holds_them() {
    for dir in [&runs().base, &runs().stress] {
        let text = fs::read_to_string(dir.join("summary.json")).unwrap();
        let summary = read_summary(dir);
        let sizing = &summary["sizing"];
        let advance = sizing["advance_rate"].as_f64().unwrap();
        let steps = |share: f64| {
            let k = (share * 2000.0).round();
            assert_eq!(
                k / 2000.0,
                share,
                "{share} is not a whole number of 0.05 % steps"
            );
            k as i64
        };
        let tranches = sizing["tranches"].as_array().unwrap();
        let rated: i64 = tranches[..tranches.len() - 1]
            .iter()
            .map(|t| steps(t["share"].as_f64().unwrap()))
            .sum();
        assert_eq!(steps(advance), rated, "advance rate {advance}");
        // as written: at most four decimals, the way the shares add up by hand
        let written = format!("\"advance_rate\": {advance}");
        assert!(text.contains(&written), "{written}");
        assert!(advance.to_string().len() <= "0.9965".len(), "{advance}");
        for t in tranches {
            steps(t["credit_enhancement"].as_f64().unwrap());
        }

        let cents = |what: &str, value: &serde_json::Value| {
            if let Some(v) = value.as_f64() {
                assert_eq!(
                    (v * 100.0).round() / 100.0,
                    v,
                    "{what} = {v} is not in cents"
                );
            }
        };
        for t in tranches {
            cents("sizing amount", &t["amount"]);
        }
        for t in summary["monte_carlo"]["tranches"].as_array().unwrap() {
            cents("monte_carlo amount", &t["amount"]);
            cents(
                "expected interest shortfall",
                &t["expected_interest_shortfall"],
            );
        }
        for t in summary["deterministic"]["tranches"].as_array().unwrap() {
            for key in [
                "original_balance",
                "principal_paid",
                "interest_paid",
                "residual_received",
                "principal_loss",
                "interest_shortfall",
            ] {
                cents(key, &t[key]);
            }
        }
        for band in summary["monte_carlo"]["balance_bands"].as_array().unwrap() {
            for key in ["mean", "p5", "p25", "p50", "p75", "p95"] {
                cents(key, &band[key]);
            }
        }
        let (header, records) = read_csv(&dir.join("sizing.csv"));
        let amount = header.iter().position(|h| h == "amount").unwrap();
        let share = header.iter().position(|h| h == "share").unwrap();
        for record in &records {
            let (whole, cents) = record[amount].split_once('.').unwrap();
            assert!(
                whole.parse::<u64>().is_ok() && cents.len() == 2,
                "{record:?}"
            );
            assert!(record[share].len() <= "0.9965".len(), "{record:?}");
        }
    }
}

/// `pool_strats.csv` says what each rate is of: the instalments' and bullets' monthly fees
/// and the annuities' annual interest apart, an annualised yield on the balance for all,
/// and no `wa_rate` that averages a monthly fee with an annual rate.
#[test]
fn pool_strats_split_rates_by_what_they_are_of() {
    let (header, records) = read_csv(&runs().base.join("pool_strats.csv"));
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("pool_strats.csv lacks {name}: {header:?}"))
    };
    let columns = [
        "wa_rate",
        "wa_annual_interest_rate_annuity",
        "wa_monthly_fee_rate_installment",
        "wa_monthly_fee_rate_bullet",
        "annualised_yield_on_balance",
    ];
    let number = |record: &csv::StringRecord, name: &str| -> Option<f64> {
        let cell = &record[at(name)];
        (!cell.is_empty()).then(|| cell.parse().unwrap_or_else(|_| panic!("{name}: {cell}")))
    };
    for record in &records {
        for name in columns {
            number(record, name);
        }
        let product_rates = [
            number(record, "wa_annual_interest_rate_annuity"),
            number(record, "wa_monthly_fee_rate_installment"),
            number(record, "wa_monthly_fee_rate_bullet"),
        ];
        let present: Vec<f64> = product_rates.iter().flatten().copied().collect();
        match present[..] {
            // one product: `wa_rate` is that product's rate
            [only] => assert_eq!(number(record, "wa_rate"), Some(only), "{record:?}"),
            // products mix: no average across units
            _ => assert_eq!(number(record, "wa_rate"), None, "{record:?}"),
        }
        assert!(number(record, "annualised_yield_on_balance").unwrap() >= 0.0);
    }
    let total = records.last().unwrap();
    assert_eq!(&total[0], "total");
    assert_eq!(number(total, "wa_rate"), None);
    let html = fs::read_to_string(runs().base.join("report.html")).unwrap();
    for heading in [
        "Instalment fee, monthly, on original principal",
        "Annuity interest, annual",
        "Fees and interest, annualised, on balance",
    ] {
        assert!(html.contains(heading), "report.html lacks {heading}");
    }
}

/// Under importance sampling an unweighted mean of `path_results.csv` is wrong by orders of
/// magnitude: `summary.json` says the paths were importance-sampled, `report.html` says to
/// use the weight column (with what the unweighted mean would give), and the file's
/// documentation opens with the weighted mean in pandas.
#[test]
fn importance_sampled_paths_say_to_use_the_weight_column() {
    let base = &runs().base;
    let summary = read_summary(base);
    assert_eq!(summary["monte_carlo"]["importance_sampling"], true);
    assert_eq!(summary["path_results"]["importance_sampling"], true);
    let rule = summary["path_results"]["weighted_mean"].as_str().unwrap();
    assert!(rule.contains("(df.loss_A * df.weight).sum()"), "{rule}");

    // what a reader of the file gets with and without the weights
    let (header, records) = read_csv(&base.join("path_results.csv"));
    let column = |name: &str| -> Vec<f64> {
        let i = header.iter().position(|h| h == name).unwrap();
        records.iter().map(|r| r[i].parse().unwrap()).collect()
    };
    let (weight, loss) = (column("weight"), column("loss_A"));
    let unweighted = loss.iter().sum::<f64>() / loss.len() as f64;
    let weighted: f64 =
        loss.iter().zip(&weight).map(|(l, w)| l * w).sum::<f64>() / weight.iter().sum::<f64>();
    let el = summary["monte_carlo"]["tranches"][0]["loss"]["mean"]
        .as_f64()
        .unwrap();
    assert!(
        (weighted - el).abs() <= 1e-9 * el.max(1e-300) + 1e-18,
        "{weighted} vs {el}"
    );
    assert!(
        unweighted > 1e6 * el,
        "the unweighted mean {unweighted} vs EL {el}"
    );

    let html = fs::read_to_string(base.join("report.html")).unwrap();
    for expected in [
        "Paths are importance-sampled; use the weight column.".to_string(),
        "<code>(df.loss_A * df.weight).sum()</code>".to_string(),
        format!(
            "Here loss_A averages {} unweighted against its weighted mean, the EL, of {}.",
            baitiao_abs::report::format::small_percent(unweighted),
            baitiao_abs::report::format::small_percent(weighted)
        ),
    ] {
        assert!(html.contains(&expected), "report.html lacks {expected}");
    }

    // plain Monte Carlo (equal weights): no such warning
    let plain = scratch().join("plain-weights");
    copy_dir(base, &plain);
    let mut summary = read_summary(&plain);
    summary["monte_carlo"]["importance_sampling"] = false.into();
    summary["path_results"]["importance_sampling"] = false.into();
    fs::write(
        plain.join("summary.json"),
        serde_json::to_vec_pretty(&summary).unwrap(),
    )
    .unwrap();
    render_charts_and_html(&plain).unwrap();
    let html = fs::read_to_string(plain.join("report.html")).unwrap();
    assert!(!html.contains("importance-sampled"), "plain paths flagged");

    // the file's documentation opens with the rule
    let readme = fs::read_to_string(repo().join("reports/README.md")).unwrap();
    let start = readme
        .find("## `path_results.csv`")
        .expect("reports/README.md has a section on path_results.csv");
    let section = &readme[start..];
    let first_paragraph = section.lines().nth(2).unwrap_or_default();
    assert!(
        first_paragraph.starts_with("> **") && first_paragraph.contains("weight"),
        "the section does not open with the weights note: {first_paragraph}"
    );
    let note_end = section.find("\nColumns:").unwrap();
    assert!(section[..note_end].contains("(df.loss_A * df.weight).sum()"));
}

/// The run's captions state what the folder's numbers show, not a direction assumed in
/// advance: under stress_aaa the notes do not wait for the end of the revolving period, so
/// no caption may say they do.
#[test]
fn run_captions_are_read_from_the_numbers() {
    for dir in [&runs().base, &runs().stress] {
        let html = fs::read_to_string(dir.join("report.html")).unwrap();
        let captions: Vec<&str> = html
            .match_indices("<figcaption>")
            .map(|(i, _)| &html[i..i + html[i..].find("</figcaption>").unwrap()])
            .collect();
        for caption in &captions {
            for assumed in [
                "dominate",
                "in order of seniority",
                "stays near its closing balance",
                "rises with its size",
                "flat while the deal revolves",
            ] {
                assert!(!caption.contains(assumed), "`{assumed}` in {caption}");
            }
        }
        // the senior note's repayment months are those of expected_cashflows.csv
        let (header, records) = read_csv(&dir.join("expected_cashflows.csv"));
        let i = header.iter().position(|h| h == "A_end_balance").unwrap();
        let balances: Vec<f64> = records.iter().map(|r| r[i].parse().unwrap()).collect();
        let original = read_summary(dir)["monte_carlo"]["tranches"][0]["amount"]
            .as_f64()
            .unwrap();
        let first = 1 + balances
            .iter()
            .position(|b| *b < original * (1.0 - 1e-3))
            .unwrap();
        // repaid in full in expectation, or (stress_aaa's losses reach A) only paid down
        let words = match balances.iter().position(|b| *b <= original * 1e-6) {
            Some(i) => format!("A repaid from month {first} to month {}", i + 1),
            None => format!("A paid down from month {first}, "),
        };
        assert!(
            captions.iter().any(|c| c.contains(&words)),
            "no caption says `{words}`: {captions:?}"
        );
    }
}

/// The calibration folder of the shipped history (`calibrate --history data/history.csv`),
/// written once by the real binary for the calibration tests.
fn calibration_folder() -> &'static Path {
    static FOLDER: OnceLock<PathBuf> = OnceLock::new();
    FOLDER.get_or_init(|| {
        let out = scratch().join("calibration");
        let _ = fs::remove_dir_all(&out);
        fs::create_dir_all(scratch()).unwrap();
        let output = binary(&[
            "calibrate",
            "--history",
            "data/history.csv",
            "--bootstrap",
            "200",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "calibrate: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        out
    })
}

/// The charts of a calibration folder, in the order of calibration.html.
const CALIBRATION_CHARTS: [&str; 3] = ["vintage_curves", "roll_rates", "vasicek_fit"];

#[test]
fn calibration_writes_every_chart_with_text_and_data() {
    let dir = calibration_folder();
    let manifest = fs::read_to_string(dir.join("manifest.json")).unwrap();
    for name in CALIBRATION_CHARTS {
        check_chart(dir, name);
        for ext in ["png", "svg"] {
            assert!(
                manifest.contains(&format!("charts/{name}.{ext}")),
                "{manifest}"
            );
        }
    }
    assert!(manifest.contains("calibration.html"), "{manifest}");
}

/// calibration.html refers to nothing outside itself, inlines every chart with a caption
/// read from calibration.json's numbers, and has every section, estimate and vintage.
#[test]
fn calibration_html_is_self_contained_and_complete() {
    let dir = calibration_folder();
    let html = fs::read_to_string(dir.join("calibration.html")).unwrap();
    assert_self_contained(&html, "calibration.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    let mut captions = Vec::new();
    for chart in CALIBRATION_CHARTS {
        let start = html
            .find(&format!("<figure id=\"chart-{chart}\">"))
            .unwrap_or_else(|| panic!("calibration.html lacks the chart {chart}"));
        let figure = &html[start..start + html[start..].find("</figure>").unwrap()];
        assert!(
            figure.contains("<svg") && figure.contains("</svg>") && figure.contains("<text"),
            "{chart} is not inline SVG with text"
        );
        let caption = figure.find("<figcaption>").expect("a caption");
        captions.push(figure[caption..].to_string());
    }
    assert_eq!(html.matches("<svg").count(), CALIBRATION_CHARTS.len());
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("calibration.json")).unwrap()).unwrap();
    let all = &json["all"];
    let rho = all["rho"]["estimate"].as_f64().unwrap();
    let ci = all["rho"]["ci90"].as_array().unwrap();
    let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
    let m_star = all["m_star"].as_u64().unwrap();
    let used = all["rho"]["vintages_used"].as_u64().unwrap();
    let lifetime = all["lifetime_charge_off_rate"].as_f64().unwrap();
    let pd_scale = all["pd_scale"].as_f64().unwrap();
    let cv = all["cv"].as_f64().unwrap();
    for expected in [
        "History",
        "Base case",
        "Dispersion",
        "PD scale",
        "Vintages",
        "Methodology and limits",
        "No development beyond the longest observed age",
        "The bootstrap interval is too narrow with few vintages",
        "What ρ's interval does",
        "Reproducibility",
        "baitiao-abs calibrate --history data/history.csv --seed 20151024 --bootstrap 200",
        "@media print",
        "2017-01 to 2020-12",
        "dpd_31_60",
        &format!("{:.3} %", 100.0 * lifetime),
        &format!("{rho:.4}"),
        &format!("{lo:.4} – {hi:.4}"),
        &format!("{pd_scale:.4}"),
        &format!("{cv:.3}"),
        &format!("<td>{m_star}</td>"),
    ] {
        assert!(
            html.contains(expected),
            "calibration.html lacks `{expected}`"
        );
    }
    // one row per vintage, with its projected lifetime rate
    for v in all["vintages"].as_array().unwrap() {
        let name = v["vintage"].as_str().unwrap();
        let projected = v["projected_lifetime_rate"].as_f64().unwrap();
        let row = format!(
            "<tr><td>{name}</td><td>all</td><td>{}</td><td>{}</td>",
            cny(v["originated"].as_f64().unwrap()),
            v["months_on_book"].as_u64().unwrap()
        );
        let at = html
            .find(&row)
            .unwrap_or_else(|| panic!("no row for vintage {name}"));
        let end = at + html[at..].find("</tr>").unwrap();
        assert!(
            html[at..end].contains(&format!("{:.3} %", 100.0 * projected)),
            "{}",
            &html[at..end]
        );
    }
    // the captions are read from the numbers
    let roll = all["roll_rates"]["rolls"][0]["rate"].as_f64().unwrap();
    assert!(
        captions[1].contains(&format!(
            "{:.1} % of dpd_1_30 rolls to dpd_31_60",
            100.0 * roll
        )),
        "{}",
        captions[1]
    );
    assert!(
        captions[2].contains(&format!("the {used} vintages"))
            && captions[2].contains(&format!("m* = {m_star}"))
            && captions[2].contains(&format!("ρ = {rho:.4}"))
            && captions[2].contains(&format!("{lo:.4}–{hi:.4}")),
        "{}",
        captions[2]
    );
    assert!(
        !html.contains(".tmp-"),
        "calibration.html names the temporary folder"
    );
}

#[test]
fn browser_renders_the_calibration_report_without_console_errors() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium: .ci/run installs Debian's chromium"
        );
        println!("SKIPPED browser test: no chromium on this machine (CI installs it)");
        return;
    };
    let work = scratch().join("browser-calibration");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).unwrap();
    let profile = work.join("profile");
    let page = calibration_folder()
        .join("calibration.html")
        .canonicalize()
        .unwrap();
    let screenshot = work.join("calibration.png");
    let (_, log) = headless(
        &browser,
        &page,
        &profile,
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1200,2000".into(),
        ],
    );
    assert_eq!(console_errors(&log), Vec::<String>::new(), "console errors");
    let census = PixelCensus::read(&screenshot);
    assert_eq!((census.width, census.height), (1200, 2000));
    assert!(
        census.share_not_white() > 0.05,
        "the screenshot is nearly blank: {:.1} % drawn",
        100.0 * census.share_not_white()
    );
    assert!(
        census.dark_in_rows(0..200) > 2_000,
        "no heading text at the top"
    );
    let (dom, log) = headless(&browser, &page, &profile, &["--dump-dom".into()]);
    assert_eq!(console_errors(&log), Vec::<String>::new(), "console errors");
    assert!(dom.contains("Methodology and limits") && dom.contains("Dispersion"));
    assert_eq!(dom.matches("<svg").count(), CALIBRATION_CHARTS.len());
}
