//! Writing the site: every output file and `static/` go into a fresh folder beside the output,
//! which is swapped in only when everything was written. A failed build leaves the previous
//! output as it was. The only module that writes to disk.

use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use anyhow::{Context as _, bail};

use crate::base::OutputFile;

/// Marks a folder as kwiki's output, so a later build may replace it.
pub const MARKER: &str = ".kwiki-build";

/// Refuses output folders whose replacement would destroy the user's sources.
pub fn check_output_dir(root: &Path, out: &Path) -> anyhow::Result<()> {
    let root = root
        .canonicalize()
        .with_context(|| format!("reading {}", root.display()))?;
    // Only a folder may be replaced: a file (site.toml, a page, anything outside the site) or a
    // symbolic link named as the output would be lost to the swap.
    if let Ok(meta) = std::fs::symlink_metadata(out) {
        if meta.file_type().is_symlink() {
            bail!(
                "refusing to replace {}: it is a symbolic link, and the build would replace the link itself; give the folder it points to as --out",
                out.display()
            );
        }
        if !meta.is_dir() {
            bail!(
                "refusing to replace {}: it is a file, not a folder kwiki made; choose another --out",
                out.display()
            );
        }
    }
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

/// The staging folders of builds in progress in this process. The one piece of global state
/// in the library: a signal handler (Ctrl-C, SIGTERM) or the render watchdog, which end the
/// process from another thread, must find the half-written folder to remove it. `commit` holds
/// the lock while it swaps, so an interrupt never removes a folder that is being moved in.
static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn in_progress() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    IN_PROGRESS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Removes the staging folders of every build in progress in this process, before the process
/// ends on an interrupt or a stuck render: the output itself is untouched (it holds the previous
/// complete site, or the new one if the swap already happened). Returns the folders removed.
/// The lock stays held, so no build can start a swap after this.
pub fn abandon_builds() -> Vec<PathBuf> {
    let mut guard = in_progress();
    let folders: Vec<PathBuf> = guard.drain(..).collect();
    for folder in &folders {
        // Other threads may still be writing into it: move it out of their way first, then
        // remove it (a few tries, as files may appear while it is being removed).
        let mut aside = folder.clone().into_os_string();
        aside.push(".abandoned");
        let aside = PathBuf::from(aside);
        let target = if std::fs::rename(folder, &aside).is_ok() {
            aside
        } else {
            folder.clone()
        };
        for _ in 0..5 {
            if std::fs::remove_dir_all(&target).is_ok() || !target.exists() {
                break;
            }
        }
    }
    std::mem::forget(guard);
    folders
}

/// Swaps `new` and `out` in one step where the system can (Linux's `renameat2` with
/// `RENAME_EXCHANGE`): at every instant `out` is either the old or the new complete site, and
/// `new` then holds the old one. `Ok(false)` where the system or file system cannot exchange
/// (the caller falls back to two renames).
fn exchange(new: &Path, out: &Path) -> std::io::Result<bool> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, new, CWD, out, RenameFlags::EXCHANGE) {
            Ok(()) => Ok(true),
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = (new, out);
        Ok(false)
    }
}

/// A new site being written beside the output folder. Files go in as they are rendered;
/// `commit` swaps the folder into place, and dropping it uncommitted removes it, so the
/// previous output is untouched by a failed build.
pub struct Staging {
    out: PathBuf,
    staging: PathBuf,
    old: PathBuf,
    /// Where the previous output goes once the new one is in place, to be removed.
    trash: PathBuf,
    committed: bool,
}

impl Staging {
    /// Creates the staging folder and copies `static_dir` into it.
    pub fn begin(out: &Path, static_dir: &Path) -> anyhow::Result<Staging> {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        let pid = std::process::id();
        let staging = Staging {
            out: out.to_path_buf(),
            staging: parent.join(format!(".{name}.new-{pid}")),
            old: parent.join(format!(".{name}.old-{pid}")),
            trash: parent.join(format!(".{name}.trash-{pid}")),
            committed: false,
        };
        if staging.staging.exists() {
            std::fs::remove_dir_all(&staging.staging)
                .with_context(|| format!("removing {}", staging.staging.display()))?;
        }
        in_progress().push(staging.staging.clone());
        recover_interrupted(&parent, &name, out)?;
        copy_static(&staging.staging, static_dir)?;
        Ok(staging)
    }

    /// Writes one file; may be called from many threads at once.
    pub fn write(&self, file: &OutputFile) -> anyhow::Result<()> {
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
        let target = self.staging.join(relative);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&target, &file.bytes)
            .with_context(|| format!("writing {}", target.display()))
    }

    /// Marks the new site as kwiki's and swaps it into place. The previous output, if there
    /// was one, is moved aside to a trash folder (`.<name>.trash-<pid>`) and returned: removing
    /// thousands of files is the slowest step of a rebuild (a second on ext4 at 10,000 pages),
    /// so the caller decides when (the binary does it in a process of its own, after the build;
    /// see `remove_trash`).
    pub fn commit(mut self) -> anyhow::Result<Option<PathBuf>> {
        std::fs::write(
            self.staging.join(MARKER),
            b"This folder is generated by kwiki build; it is replaced on every build.\n",
        )
        .with_context(|| format!("writing {}", self.staging.display()))?;
        // Held through the swap: an interrupt waits for it instead of removing a folder that
        // is being moved into place.
        let mut registry = in_progress();
        registry.retain(|p| p != &self.staging);
        if self.out.exists() {
            if exchange(&self.staging, &self.out)
                .with_context(|| format!("swapping the new build into {}", self.out.display()))?
            {
                // The staging path now holds the previous output.
                self.committed = true;
                drop(registry);
                if std::fs::rename(&self.staging, &self.trash).is_ok() {
                    return Ok(Some(self.trash.clone()));
                }
                std::fs::remove_dir_all(&self.staging).with_context(|| {
                    format!("removing the previous build {}", self.staging.display())
                })?;
                return Ok(None);
            }
            // Fallback (no exchange here): two renames. A kill between them leaves no output
            // until the next build, which moves the previous one back (`recover_interrupted`).
            std::fs::rename(&self.out, &self.old)
                .with_context(|| format!("moving the previous {} aside", self.out.display()))?;
        }
        if let Err(e) = std::fs::rename(&self.staging, &self.out) {
            // Put the previous build back.
            if self.old.exists() {
                let _ = std::fs::rename(&self.old, &self.out);
            }
            return Err(e)
                .with_context(|| format!("moving the new build into {}", self.out.display()));
        }
        self.committed = true;
        if !self.old.exists() {
            return Ok(None);
        }
        if std::fs::rename(&self.old, &self.trash).is_ok() {
            return Ok(Some(self.trash.clone()));
        }
        std::fs::remove_dir_all(&self.old)
            .with_context(|| format!("removing the previous build {}", self.old.display()))?;
        Ok(None)
    }
}

/// Removes a previous output that `Staging::commit` set aside. Only a folder named as a trash
/// folder (`.<name>.trash-<pid>`) that kwiki made (it holds the output marker) is removed, so
/// the hidden command that calls this cannot be pointed at anything else.
pub fn remove_trash(path: &Path) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_trash = name.starts_with('.')
        && name.rsplit_once(".trash-").is_some_and(|(base, pid)| {
            !base.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
        });
    if !is_trash || !path.join(MARKER).is_file() {
        bail!(
            "refusing to remove {}: it is not a previous output that kwiki set aside",
            path.display()
        );
    }
    std::fs::remove_dir_all(path).with_context(|| format!("removing {}", path.display()))
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            in_progress().retain(|p| p != &self.staging);
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Cleans up after builds that were killed: their half-written staging folders are removed, and
/// if one was killed between moving the previous output aside and moving the new one in (two
/// renames), the previous output is moved back. A folder of a build still running (its process
/// alive, on systems with `/proc`) is left alone. Trash folders (previous outputs not yet
/// removed) are removed on a background thread.
fn recover_interrupted(parent: &Path, name: &str, out: &Path) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    // Without /proc there is no telling a killed build from a running one: their folders are
    // left alone. Trash needs no such telling.
    let can_tell = Path::new("/proc/self").exists();
    let mut stale: Vec<(PathBuf, bool)> = Vec::new();
    let mut trash: Vec<PathBuf> = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with(&format!(".{name}.trash-")) {
            trash.push(entry.path());
            continue;
        }
        let (rest, is_new) = if let Some(rest) = file_name.strip_prefix(&format!(".{name}.new-")) {
            (rest, true)
        } else if let Some(rest) = file_name.strip_prefix(&format!(".{name}.old-")) {
            (rest, false)
        } else {
            continue;
        };
        let alive = rest.parse::<u32>().is_ok_and(|pid| {
            pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
        });
        if can_tell && !alive {
            stale.push((entry.path(), is_new));
        }
    }
    // Previous outputs whose removal was cut short (or is still going on in another process):
    // removed beside this build, never in its way. Failures are left for the next build.
    if !trash.is_empty() {
        std::thread::spawn(move || {
            for path in trash {
                let _ = remove_trash(&path);
            }
        });
    }
    stale.sort();
    for (path, is_new) in stale {
        if !is_new && !out.exists() {
            std::fs::rename(&path, out).with_context(|| {
                format!("restoring the previous output from {}", path.display())
            })?;
        } else {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("removing {} left by a killed build", path.display()))?;
        }
    }
    Ok(())
}

/// Writes the built-in theme's static files, then copies `static_dir` over them: a site's file
/// replaces the built-in one of the same path.
fn copy_static(staging: &Path, static_dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(staging).with_context(|| format!("creating {}", staging.display()))?;
    crate::theme::write_files(
        staging,
        &crate::theme::static_files(),
        crate::theme::Existing::Overwrite,
    )?;
    if static_dir.is_dir() {
        // A folder that cannot be resolved is an error here, before anything is copied.
        static_dir
            .canonicalize()
            .with_context(|| format!("reading {}", static_dir.display()))?;
        let walked = crate::base::walk::walk(static_dir);
        for entry in walked.entries {
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
        if let Some(path) = walked.escaped.first() {
            let target = std::fs::read_link(path).unwrap_or_default();
            bail!(
                "{}: symbolic link to {} leaves static/; it is not followed (copy the file into static/ instead)",
                path.display(),
                target.display()
            );
        }
    }
    Ok(())
}
