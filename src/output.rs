//! Writing the site: every output file and `static/` go into a fresh folder beside the output,
//! which is swapped in only when everything was written. A failed build leaves the previous
//! output as it was. The only module that writes to disk.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, bail};
use rayon::prelude::*;

use crate::render::OutputFile;

/// Marks a folder as kwiki's output, so a later build may replace it.
pub const MARKER: &str = ".kwiki-build";

/// Refuses output folders whose replacement would destroy the user's sources.
pub fn check_output_dir(root: &Path, out: &Path) -> anyhow::Result<()> {
    let root = root
        .canonicalize()
        .with_context(|| format!("reading {}", root.display()))?;
    let out_abs = if out.exists() {
        out.canonicalize()
            .with_context(|| format!("reading {}", out.display()))?
    } else {
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let parent = parent
            .canonicalize()
            .unwrap_or_else(|_| parent.to_path_buf());
        parent.join(out.file_name().unwrap_or_default())
    };
    if root.starts_with(&out_abs) {
        bail!(
            "refusing to write the site to {}: it contains the site's own sources",
            out.display()
        );
    }
    for source in ["content", "templates", "static", ".git"] {
        if out_abs.starts_with(root.join(source)) {
            bail!(
                "refusing to write the site into {}/ ({})",
                source,
                out.display()
            );
        }
    }
    if out_abs.is_dir() && !out_abs.join(MARKER).exists() {
        let mut entries =
            std::fs::read_dir(&out_abs).with_context(|| format!("reading {}", out.display()))?;
        if entries.next().is_some() {
            bail!(
                "refusing to replace {}: it is not empty and was not made by kwiki (no {MARKER} file); choose another --out or empty it",
                out.display()
            );
        }
    }
    Ok(())
}

/// Writes `files` and a copy of `static_dir` to `out`, atomically replacing what was there.
pub fn write(out: &Path, files: &[OutputFile], static_dir: &Path) -> anyhow::Result<()> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.new-{pid}"));
    let old = parent.join(format!(".{name}.old-{pid}"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .with_context(|| format!("removing {}", staging.display()))?;
    }
    let result = fill(&staging, files, static_dir);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if out.exists() {
        std::fs::rename(out, &old)
            .with_context(|| format!("moving the previous {} aside", out.display()))?;
    }
    if let Err(e) = std::fs::rename(&staging, out) {
        // Put the previous build back.
        if old.exists() {
            let _ = std::fs::rename(&old, out);
        }
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e).with_context(|| format!("moving the new build into {}", out.display()));
    }
    if old.exists() {
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("removing the previous build {}", old.display()))?;
    }
    Ok(())
}

fn fill(staging: &Path, files: &[OutputFile], static_dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(staging).with_context(|| format!("creating {}", staging.display()))?;
    if static_dir.is_dir() {
        for entry in walkdir::WalkDir::new(static_dir)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = entry.with_context(|| format!("reading {}", static_dir.display()))?;
            let relative = entry
                .path()
                .strip_prefix(static_dir)
                .unwrap_or(entry.path());
            let target = staging.join(relative);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target)
                    .with_context(|| format!("creating {}", target.display()))?;
            } else {
                std::fs::copy(entry.path(), &target)
                    .with_context(|| format!("copying {}", entry.path().display()))?;
            }
        }
    }
    files.par_iter().try_for_each(|file| {
        let relative = Path::new(&file.path);
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            bail!(
                "internal error: output path {:?} leaves the output folder",
                file.path
            );
        }
        let target = staging.join(relative);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&target, &file.bytes)
            .with_context(|| format!("writing {}", target.display()))
    })?;
    std::fs::write(
        staging.join(MARKER),
        b"This folder is generated by kwiki build; it is replaced on every build.\n",
    )
    .with_context(|| format!("writing {}", staging.display()))?;
    Ok(())
}
