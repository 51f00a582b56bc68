//! The whole pipeline (content, names, Markdown, graph, search, Tera) on one arbitrary page
//! beside a fixed one, as `kwiki check` runs it: no panic, and the same input twice gives the
//! same diagnostics and files.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn site() -> &'static PathBuf {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder").keep();
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        std::fs::copy(repo.join("tests/fuzz_site.toml"), dir.join("site.toml")).expect("site.toml");
        std::fs::create_dir_all(dir.join("templates")).expect("templates/");
        for entry in std::fs::read_dir(repo.join("templates")).expect("templates") {
            let entry = entry.expect("a template");
            std::fs::copy(entry.path(), dir.join("templates").join(entry.file_name()))
                .expect("copy a template");
        }
        std::fs::create_dir_all(dir.join("content/groups")).expect("content/");
        std::fs::write(
            dir.join("content/groups/beta.md"),
            "+++\ntitle = \"Beta\"\naliases = [\"B\"]\n+++\nBeta links [[Fuzz]] and [[Alpha|a]].\n",
        )
        .expect("beta.md");
        dir
    })
}

fuzz_target!(|text: &str| {
    let root = site();
    std::fs::write(root.join("content/groups/fuzz.md"), text).expect("fuzz.md");
    let options = kwiki::Options {
        root: root.clone(),
        out: None,
        base_url: None,
        strict: false,
        render_hook: None,
        remove_previous: None,
        on_stuck: None,
    };
    let mut one = kwiki::Session::new(options.clone());
    let mut two = kwiki::Session::new(options);
    let (first, again) = (one.build(), two.build());
    let show = |r: &kwiki::Report| {
        r.diagnostics
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(show(&first), show(&again));
    let files = |s: &kwiki::Session| {
        s.files()
            .iter()
            .map(|f| (f.path.clone(), f.bytes.clone()))
            .collect::<Vec<_>>()
    };
    assert!(
        files(&one) == files(&two),
        "two builds of the same page differ"
    );
});
