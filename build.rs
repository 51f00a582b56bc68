//! Rebuilds kwiki when the built-in theme changes: `src/theme.rs` embeds `templates/` and
//! `static/` with `include_dir`, which tells Cargo about the files it read but not about a file
//! added to either folder. Cargo watches a folder named here with everything in it.

fn main() {
    println!("cargo::rerun-if-changed=templates");
    println!("cargo::rerun-if-changed=static");
    println!("cargo::rerun-if-changed=build.rs");
}
