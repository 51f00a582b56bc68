//! The `kwiki` command line: parses arguments, runs the pipeline, prints diagnostics and maps
//! the outcome to an exit code (0 success, 1 problems in the content, 2 environment failure).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use kwiki::diagnostics::Severity;
use kwiki::{Options, Report, plural};

/// What `check --format json` prints: every diagnostic, and the counts tools would otherwise
/// compute themselves.
#[derive(serde::Serialize)]
struct JsonReport<'a> {
    diagnostics: &'a [kwiki::diagnostics::Diagnostic],
    summary: kwiki::diagnostics::Summary,
}

/// mimalloc rather than glibc's malloc: two threads allocating many small objects (layouts of
/// the pictures, search terms, template values) spent a fifth of the build in glibc's locks and
/// free lists. ARCHITECTURE.md § Dependencies has the measurements.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option: its index in `mi_option_t` of mimalloc 3, the version that
/// libmimalloc-sys 0.1.49 (pinned in Cargo.toml) builds; the crate names no constant for it.
/// `purge_delay_option_is_found` checks the index against the option's default of 1000 ms.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory goes back to the system after 10 ms instead of mimalloc's default of a second.
/// A build frees one stage's scratch memory and allocates the next stage's at once; with the
/// default both counted in the peak (about 295 MiB at 10,000 pages, against 255 MiB).
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Sets mimalloc's purge delay (milliseconds; -1 never purges).
#[allow(unsafe_code)]
fn set_purge_delay(ms: std::ffi::c_long) {
    // SAFETY: sets an integer option of the allocator; no pointers are involved, and mimalloc
    // allows options to be set at any time, from any thread.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, ms) }
}

fn tune_allocator() {
    set_purge_delay(PURGE_DELAY_MS);
}

/// The render hook of a one-shot build or check. The build's peak memory is reached before
/// rendering (bodies, link graph and search postings at once); rendering then allocates and
/// frees every page's buffers, views and pictures. Purged after 10 ms, those pages were handed
/// back to the system and faulted in again a moment later (page faults and `madvise` with its
/// TLB shootdowns were 9% of the build's CPU at 10,000 pages). So nothing is purged while
/// rendering (its memory is reused instead), and the usual delay comes back when it ends.
/// Measured at 10,000 pages, medians of 15 alternating runs: CPU 2.77 -> 2.72 s, wall
/// 1.43 -> 1.40 s, minor page faults 100k -> 83k, peak 265 -> 272 MiB.
fn render_hook(rendering: bool) {
    set_purge_delay(if rendering { -1 } else { PURGE_DELAY_MS });
}

/// Removes the previous output that a successful build set aside, in a process of its own that
/// outlives this one: the build is over as soon as the new site is in place. Removing the old
/// tree took 0.12 s on tmpfs and 1.0-1.25 s on ext4 at 10,000 pages, a third of a rebuild on
/// disk. If the process cannot be started, the folder is removed here; if it is stopped before
/// it is done, the next build removes the rest, beside its own work.
fn remove_previous(folder: &std::path::Path) {
    let spawned = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .arg("remove-previous")
            .arg(folder)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
    });
    if spawned.is_err() {
        let _ = kwiki::output::remove_trash(folder);
    }
}

/// Build, check and preview a typed, wikilinked wiki.
#[derive(Parser)]
#[command(name = "kwiki", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render content/ through templates/ with static/ into the output folder.
    ///
    /// The site is written beside the output folder and swapped in only when the build
    /// succeeds: a failed build leaves the previous output untouched.
    Build {
        /// The site's root folder (with site.toml, content/, templates/, static/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder [default: ROOT/public].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override site.toml's base_url, e.g. https://user.github.io/repo/.
        #[arg(long)]
        base_url: Option<String>,
        /// Fail on red links, orphans, uncited pages and other content warnings.
        #[arg(long)]
        strict: bool,
        /// Print every warning, not only the first few.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Run the whole pipeline without writing and report every problem at once.
    Check {
        /// The site's root folder (with site.toml, content/, templates/, static/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Treat content warnings (red links, orphans, uncited pages...) as errors.
        #[arg(long)]
        strict: bool,
        /// Output format of the report.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Override site.toml's base_url for the check.
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Build the site in memory, serve it, and rebuild and reload open tabs on every save.
    ///
    /// Watches content/, templates/, static/ and site.toml. A burst of saves is one rebuild;
    /// an edit to page text re-renders only the pages it affects. When a build fails, the
    /// browser shows every problem over the last good page, which stays served.
    Serve {
        /// The site's root folder (with site.toml, content/, templates/, static/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port to listen on; 0 picks a free one.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to bind. Anything but loopback makes the preview reachable from the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
    },
    /// Start a new wiki in DIR: site.toml with a small schema, a home page, one example page
    /// per kind, .gitignore and the two GitHub workflows.
    ///
    /// Refuses a folder that is not empty (a .git folder alone is fine) unless --force, which
    /// writes only the missing files and never overwrites one.
    Init {
        /// The new wiki's folder (made if missing).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Write into a folder that is not empty: only missing files are written.
        #[arg(long)]
        force: bool,
        /// Also write the built-in theme (templates/, static/) for editing. In a folder that
        /// already has a site.toml, writes only the theme.
        #[arg(long)]
        theme: bool,
    },
    /// Write a new page of KIND: content/<folder>/<slug>.md with every field of the kind as a
    /// commented line.
    ///
    /// Refuses a title that is already a page's title or alias, or a file that exists.
    New {
        /// The kind's id in site.toml (e.g. person).
        kind: String,
        /// The page's title.
        title: String,
        /// The file name (without .md) [default: made from the title].
        #[arg(long)]
        slug: Option<String>,
        /// The site's root folder (with site.toml, content/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Write the built-in theme into templates/ and static/ for editing.
    ///
    /// A site's own file replaces the built-in one of the same name, file by file; ejected
    /// files start identical to the built-in ones. Refuses to overwrite existing files unless
    /// --force.
    Eject {
        /// The site's root folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
    },
    /// Removes a previous output that a build set aside (run by `build` itself, in the
    /// background).
    #[command(hide = true)]
    RemovePrevious { folder: PathBuf },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    /// GitHub Actions workflow commands (`::error file=…,line=…,col=…::`): annotations on the
    /// changed lines of a pull request.
    Github,
}

/// How many warnings `build` prints before summarising the rest.
const WARNINGS_SHOWN: usize = 20;

/// Parses the command line and runs its subcommand.
fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            root,
            port,
            bind,
            open,
        } => match kwiki::serve::serve(&kwiki::serve::ServeOptions {
            root,
            bind,
            port,
            open,
        }) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => environment_failure(&e),
        },
        Command::RemovePrevious { folder } => match kwiki::output::remove_trash(&folder) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => environment_failure(&e),
        },
        Command::Build {
            root,
            out,
            base_url,
            strict,
            verbose,
        } => build(root, out, base_url, strict, verbose),
        Command::Check {
            root,
            strict,
            format,
            base_url,
        } => check(root, strict, format, base_url),
        Command::Init { dir, force, theme } => init(&dir, force, theme),
        Command::New {
            kind,
            title,
            slug,
            root,
        } => new_page(&root, &kind, &title, slug.as_deref()),
        Command::Eject { root, force } => eject(&root, force),
    }
}

/// `kwiki init`: writes the new wiki and says what to do next.
fn init(dir: &std::path::Path, force: bool, theme: bool) -> ExitCode {
    let done = match kwiki::scaffold::init(dir, force, theme) {
        Ok(done) => done,
        Err(e) => return environment_failure(&e),
    };
    for path in &done.written {
        println!("wrote {}", dir.join(path).display());
    }
    for path in &done.kept {
        println!("kept {} (it was there)", dir.join(path).display());
    }
    if done.written.iter().any(|p| p == "site.toml") {
        let go = if dir == std::path::Path::new(".") {
            String::new()
        } else {
            format!("  cd {}\n", dir.display())
        };
        println!(
            "\nA new wiki is ready. Next:\n{go}  kwiki serve                     preview it at http://127.0.0.1:1111/\n  kwiki new person \"Some Name\"    add a page (any kind of site.toml)\n  kwiki check                     list every problem, at its line\nThen push it to GitHub and turn on Pages (Settings → Pages → Source: GitHub Actions)."
        );
    } else {
        println!("{} written", plural(done.written.len(), "file", "files"));
    }
    ExitCode::SUCCESS
}

/// `kwiki new`: writes the page and prints its path.
fn new_page(root: &std::path::Path, kind: &str, title: &str, slug: Option<&str>) -> ExitCode {
    use kwiki::scaffold::NewError;
    match kwiki::scaffold::new_page(root, kind, title, slug) {
        Ok(path) if root == std::path::Path::new(".") => {
            println!("{path}");
            ExitCode::SUCCESS
        }
        Ok(path) => {
            println!("{}", root.join(path).display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(match e {
                NewError::Taken(_) => 1,
                NewError::Config(d) if !d.iter().any(|d| d.code == "unreadable") => 1,
                NewError::Usage(_) | NewError::Config(_) | NewError::Io(_) => 2,
            })
        }
    }
}

/// `kwiki eject`: writes the built-in theme into the site.
fn eject(root: &std::path::Path, force: bool) -> ExitCode {
    let existing = if force {
        kwiki::theme::Existing::Overwrite
    } else {
        kwiki::theme::Existing::Refuse
    };
    match kwiki::theme::eject(root, existing) {
        Ok(written) => {
            for path in &written {
                println!("wrote {}", root.join(path).display());
            }
            println!(
                "{} written; a file you keep there replaces the built-in one",
                plural(written.len(), "file", "files")
            );
            ExitCode::SUCCESS
        }
        Err(e) => environment_failure(&e),
    }
}

/// `kwiki build`: builds into a staging folder beside `out`, swaps it in if the build is good,
/// prints the problems (the first `WARNINGS_SHOWN` warnings unless `verbose`) and a summary.
fn build(
    root: PathBuf,
    out: Option<PathBuf>,
    base_url: Option<String>,
    strict: bool,
    verbose: bool,
) -> ExitCode {
    let out = out.unwrap_or_else(|| root.join("public"));
    let options = Options {
        root,
        out: Some(out.clone()),
        base_url,
        strict,
        render_hook: Some(render_hook),
        remove_previous: Some(remove_previous),
        on_stuck: Some(stuck_hook(Some(out.clone()))),
    };
    stop_cleanly_on_interrupt(Some(out.clone()));
    let report = match kwiki::run(&options) {
        Ok(r) => r,
        Err(e) => return environment_failure(&e),
    };
    print_text(&report, if verbose { usize::MAX } else { WARNINGS_SHOWN });
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    if report.written {
        println!(
            "Built {}, {}, {} in {:.2} s → {}",
            plural(report.pages, "page", "pages"),
            plural(report.redirects, "redirect", "redirects"),
            plural(report.warnings(), "warning", "warnings"),
            report.elapsed.as_secs_f64(),
            out.display()
        );
        if verbose {
            print_stages(&report);
        }
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "Build failed: {}, {} in {:.2} s; {} left unchanged",
            plural(report.errors(), "error", "errors"),
            plural(report.warnings(), "warning", "warnings"),
            report.elapsed.as_secs_f64(),
            out.display()
        );
        ExitCode::from(if report.unreadable() { 2 } else { 1 })
    }
}

/// `--verbose`: how long each stage took, and the peak memory after each (where the system
/// reports it).
fn print_stages(report: &Report) {
    let stages: Vec<String> = report
        .stages
        .iter()
        .map(|(name, d)| format!("{name} {:.3} s", d.as_secs_f64()))
        .collect();
    println!("Stages: {}", stages.join(", "));
    let peaks: Vec<String> = report
        .peaks
        .iter()
        .filter_map(|(name, kib)| kib.map(|k| format!("{name} {}", k / 1024)))
        .collect();
    if !peaks.is_empty() {
        println!("Peak memory after each stage (MiB): {}", peaks.join(", "));
    }
}

/// `kwiki check`: the whole build without output; prints every problem (as text or JSON).
/// `check`'s last line, in the text and GitHub formats.
fn print_check_summary(report: &kwiki::Report) {
    println!(
        "Checked {}: {}, {} in {:.2} s",
        plural(report.pages, "page", "pages"),
        plural(report.errors(), "error", "errors"),
        plural(report.warnings(), "warning", "warnings"),
        report.elapsed.as_secs_f64()
    );
}

fn check(root: PathBuf, strict: bool, format: Format, base_url: Option<String>) -> ExitCode {
    let options = Options {
        root,
        out: None,
        base_url,
        strict,
        render_hook: Some(render_hook),
        remove_previous: None,
        on_stuck: Some(stuck_hook(None)),
    };
    stop_cleanly_on_interrupt(None);
    let report = match kwiki::run(&options) {
        Ok(r) => r,
        Err(e) => return environment_failure(&e),
    };
    match format {
        Format::Json => match serde_json::to_string_pretty(&JsonReport {
            diagnostics: &report.diagnostics,
            summary: kwiki::diagnostics::Summary::of(&report.diagnostics),
        }) {
            Ok(json) => println!("{json}"),
            Err(e) => return environment_failure(&e.into()),
        },
        Format::Github => {
            for d in &report.diagnostics {
                println!("{}", d.github_command());
            }
            print_check_summary(&report);
        }
        Format::Text => {
            print_text(&report, usize::MAX);
            print_check_summary(&report);
        }
    }
    if report.unreadable() {
        ExitCode::from(2)
    } else if report.errors() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Ctrl-C, SIGTERM or SIGHUP during `build` or `check`: the half-written new site is removed
/// and the output is left as it was (or, if the swap already happened, is the new complete
/// site), then the process ends with 130.
fn stop_cleanly_on_interrupt(out: Option<PathBuf>) {
    let installed = ctrlc::set_handler(move || {
        kwiki::output::abandon_builds();
        match &out {
            Some(out) => eprintln!(
                "Interrupted: nothing was written; {} is as it was",
                out.display()
            ),
            None => eprintln!("Interrupted."),
        }
        std::process::exit(130);
    });
    if let Err(e) = installed {
        eprintln!(
            "note: cannot catch Ctrl-C ({e}); an interrupted build leaves its staging folder for the next build to remove"
        );
    }
}

/// The render watchdog's report in `build` and `check`: a template has been rendering one file
/// for too long. The build cannot be stopped from outside, so the process ends here with 1,
/// after removing the half-written new site.
fn stuck_hook(out: Option<PathBuf>) -> kwiki::StuckHook {
    kwiki::StuckHook(std::sync::Arc::new(move |d| {
        kwiki::output::abandon_builds();
        eprintln!("{d}");
        match &out {
            Some(out) => eprintln!(
                "Build failed: a template never finished; {} left unchanged",
                out.display()
            ),
            None => eprintln!("Check failed: a template never finished"),
        }
        std::process::exit(1);
    }))
}

fn print_text(report: &Report, max_warnings: usize) {
    let mut shown = 0;
    for d in &report.diagnostics {
        if d.severity == Severity::Warning {
            shown += 1;
            if shown > max_warnings {
                continue;
            }
        }
        eprintln!("{d}");
    }
    if shown > max_warnings {
        eprintln!(
            "... and {} more (run `kwiki check` to see them all)",
            plural(shown - max_warnings, "warning", "warnings")
        );
    }
}

fn environment_failure(e: &anyhow::Error) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index of `purge_delay` is written by hand: it must name the option whose default
    /// is 1000 ms (mimalloc 3's purge delay; no other option near it has that default).
    #[test]
    #[allow(unsafe_code)]
    fn purge_delay_option_is_found() {
        // SAFETY: reads an integer option; no pointers are involved.
        let around = |i| unsafe { libmimalloc_sys::mi_option_get(i) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(around(MI_OPTION_PURGE_DELAY), 1000);
        }
        assert_ne!(around(MI_OPTION_PURGE_DELAY - 1), 1000);
        assert_ne!(around(MI_OPTION_PURGE_DELAY + 1), 1000);
        tune_allocator();
        assert_eq!(around(MI_OPTION_PURGE_DELAY), 10);
        render_hook(true);
        assert_eq!(around(MI_OPTION_PURGE_DELAY), -1);
        render_hook(false);
        assert_eq!(around(MI_OPTION_PURGE_DELAY), 10);
    }
}
