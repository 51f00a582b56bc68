//! divan benchmarks of the pipeline on the real wiki, in memory (no disk writes): a full build
//! and the incremental rebuild `kwiki serve` runs after a one-page edit. `cargo bench --bench
//! pipeline`; divan prints medians. Whole-process figures against the floor and Hugo, at 1k to
//! 100k pages, come from `benches/compare.py`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // A benchmark may stop on its own set-up.

use std::path::PathBuf;

use kwiki::{Options, Session};

mod common;
use common::copy_dir;

fn main() {
    divan::main();
}

/// A copy of the real wiki in a temporary folder (benchmarks edit it).
fn site() -> (tempfile::TempDir, Options, PathBuf) {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("a temporary folder");
    for dir in ["content", "templates", "static"] {
        copy_dir(&repo.join(dir), &tmp.path().join(dir));
    }
    std::fs::copy(repo.join("site.toml"), tmp.path().join("site.toml")).expect("site.toml");
    let page = tmp
        .path()
        .join("content/groups/bts.md")
        .canonicalize()
        .expect("the BTS page");
    let options = Options {
        root: tmp.path().to_path_buf(),
        out: None,
        base_url: None,
        strict: false,
        render_hook: None,
        remove_previous: None,
        on_stuck: None,
    };
    (tmp, options, page)
}

#[divan::bench(sample_count = 30)]
fn full_build(bencher: divan::Bencher) {
    let (_tmp, options, _) = site();
    bencher.bench(|| {
        let report = Session::new(options.clone()).build();
        assert!(!report.failed);
    });
}

#[divan::bench(sample_count = 30)]
fn rebuild_after_editing_one_page(bencher: divan::Bencher) {
    let (_tmp, options, page) = site();
    let original = std::fs::read_to_string(&page).expect("page text");
    let mut session = Session::new(options);
    assert!(!session.build().failed);
    let mut run = 0;
    bencher.bench_local(|| {
        run += 1;
        std::fs::write(&page, format!("{original}\nEdited {run} times.\n")).expect("edit");
        let report = session.build_changed(std::slice::from_ref(&page));
        assert!(report.incremental && !report.failed);
    });
}
