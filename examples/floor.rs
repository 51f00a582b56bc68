//! The "floor" of a static site build, for benchmarks: read every Markdown file under a folder,
//! drop its `+++` front matter, render it with pulldown-cmark (the same options as kwiki), and
//! write one `index.html` per page. No templates, no links, no graph, no search index: what any
//! Markdown site generator must at least do. kwiki's build time is reported as a ratio to it.
//!
//!   cargo run --release --example floor -- <content-dir> <out-dir>

use std::path::{Path, PathBuf};

use pulldown_cmark::{Options, Parser, html};
use rayon::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(content), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: floor <content-dir> <out-dir>");
        std::process::exit(2);
    };
    let (content, out) = (PathBuf::from(content), PathBuf::from(out));
    let files: Vec<PathBuf> = walkdir::WalkDir::new(&content)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    files
        .par_iter()
        .try_for_each(|path| page(&content, &out, path).map_err(|e| e.to_string()))?;
    println!("{} pages", files.len());
    Ok(())
}

fn page(content: &Path, out: &Path, path: &Path) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let body = match text.strip_prefix("+++") {
        Some(rest) => rest.find("\n+++").map_or(rest, |end| &rest[end + 4..]),
        None => &text,
    };
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_WIKILINKS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut html_out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut html_out, Parser::new_ext(body, options));
    let relative = path
        .strip_prefix(content)
        .unwrap_or(path)
        .with_extension("");
    let dir = out.join(relative);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("index.html"), html_out)
}
