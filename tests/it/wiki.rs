//! The real wiki in `content/`: it must pass the strict check (no red links, orphans, pages
//! unreachable from the home page, uncited pages or paragraphs). No test counts its pages.

use crate::support::*;

#[test]
fn the_real_wiki_passes_the_strict_check() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kwiki"))
        .args(["check", "--strict", "--root"])
        .arg(repo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kwiki check --strict on the real content:\n{}",
        stderr(&out)
    );
}
