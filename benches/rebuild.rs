//! Edit-to-rebuilt time of an incremental rebuild (what `kwiki serve` does after a save), against
//! a full build of the same site, as medians.
//!
//!   cargo bench --bench rebuild                      # the real wiki
//!   KWIKI_BENCH_SITE=/tmp/syn10k cargo bench --bench rebuild
//!
//! For the synthetic wiki: `python3 ../shared/bench/gen_corpus.py --pages 10000 --seed 1
//! --format kwiki --out /tmp/syn10k` and copy `templates/` and `static/` into it. The site is
//! copied to a temporary folder first; the original is never edited.
#![allow(clippy::expect_used, clippy::unwrap_used)] // A benchmark may stop on its own set-up.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kwiki::{Options, Session};

mod common;
use common::copy_dir;

const RUNS: usize = 11;

fn main() {
    let source = std::env::var_os("KWIKI_BENCH_SITE")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let tmp = tempfile::tempdir().expect("a temporary folder");
    copy_dir(&source.join("content"), &tmp.path().join("content"));
    // Templates and static files are always the repository's (a synthetic corpus has none).
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for dir in ["templates", "static"] {
        copy_dir(&repo.join(dir), &tmp.path().join(dir));
    }
    std::fs::copy(source.join("site.toml"), tmp.path().join("site.toml")).expect("site.toml");
    let root = tmp.path();
    let page = first_page(&root.join("content"));
    let original = std::fs::read_to_string(&page).expect("page text");
    let options = Options {
        root: root.to_path_buf(),
        out: Some(root.join("public")),
        base_url: None,
        strict: false,
        render_hook: None,
        remove_previous: None,
        on_stuck: None,
    };

    let mut full = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let report = Session::new(options.clone()).build();
        full.push(started.elapsed());
        assert!(
            !report.failed,
            "the site must build: {:?}",
            report.diagnostics.first()
        );
    }
    let page = page.canonicalize().expect("the page's path");
    println!(
        "{}: full build median {:.1} ms",
        source.display(),
        ms(median(&mut full))
    );
    // `serve` passes the watcher's paths (`build_changed`); plain `build` re-reads every file.
    for told in [false, true] {
        measure(&options, &page, &original, told, median(&mut full));
    }
}

fn measure(options: &Options, page: &Path, original: &str, told: bool, full: Duration) {
    let mut session = Session::new(options.clone());
    session.build();
    let mut edits = Vec::new();
    let mut stages: Vec<Vec<(&'static str, Duration)>> = Vec::new();
    for run in 0..RUNS {
        std::fs::write(page, format!("{original}\nEdited {run} times.\n")).expect("edit");
        let started = Instant::now();
        let report = if told {
            session.build_changed(&[page.to_path_buf()])
        } else {
            session.build()
        };
        edits.push(started.elapsed());
        assert!(report.incremental, "a body edit must rebuild incrementally");
        stages.push(report.stages);
    }
    println!(
        "  rebuild after a body edit, {}: median {:.1} ms ({} runs, {:.1}x faster than a full build)",
        if told {
            "told the changed file (serve)"
        } else {
            "re-reading every file"
        },
        ms(median(&mut edits.clone())),
        RUNS,
        full.as_secs_f64() / median(&mut edits).as_secs_f64()
    );
    let names: Vec<&str> = stages[0].iter().map(|(n, _)| *n).collect();
    let per_stage: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut times: Vec<Duration> = stages.iter().map(|s| s[i].1).collect();
            format!("{name} {:.1} ms", ms(median(&mut times)))
        })
        .collect();
    println!("  incremental stages (medians): {}", per_stage.join(", "));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn first_page(content: &Path) -> PathBuf {
    let mut pages: Vec<PathBuf> = walkdir::WalkDir::new(content)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && p.parent() != Some(content))
        .collect();
    pages.truncate(1);
    pages.pop().expect("a page")
}
