//! A lower bound for benchmarks: write a finished site again, and nothing else. It reads every
//! file of a built output folder into memory first (not timed), then creates the same folders
//! and files under a fresh folder on two threads, the way a build writes them, and prints the
//! time that took. No Markdown, no templates: what writing kwiki's output costs by itself, to
//! set beside the floor (which writes only the Markdown's HTML).
//!
//!   cargo run --release --example write_only -- <built-site> <fresh-out-dir>

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(site), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: write_only <built-site> <fresh-out-dir>");
        std::process::exit(2);
    };
    let (site, out) = (PathBuf::from(site), PathBuf::from(out));
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for entry in walkdir::WalkDir::new(&site).sort_by_file_name() {
        let entry = entry?;
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(&site)?.to_path_buf();
            files.push((relative, std::fs::read(entry.path())?));
        }
    }
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let start = Instant::now();
    files.par_iter().try_for_each(|(relative, body)| {
        let path = out.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, body)
    })?;
    let took = start.elapsed();
    println!(
        "{} files, {:.1} MiB written in {:.3} s",
        files.len(),
        bytes as f64 / 1048576.0,
        took.as_secs_f64()
    );
    Ok(())
}
