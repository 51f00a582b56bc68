//! Leaf helpers: small, pure pieces the rest of the crate shares. Nothing here imports from the
//! crate above it (only `std` and external crates), so every other module may use these without
//! forming an import loop.
//!
//! - [`PageId`]: a page's index in the corpus.
//! - [`slug`]: what a valid slug is, and the Windows device names an output path must avoid.
//! - [`text`]: the one truncation helper and the one `join`.
//! - [`walk`]: the one directory walk (sorted; symbolic links followed only inside the folder).
//! - [`OutputFile`] and [`Sink`]: a file of the built site, and where a streaming build sends it.

pub mod slug;
pub mod text;
pub mod walk;

/// A page's index in `Corpus::pages` (path order).
pub type PageId = usize;

/// A file of the built site, relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    /// Shared, so a server can hold a build's files while the next build runs; made from the
    /// rendered buffer without a copy.
    pub bytes: bytes::Bytes,
}

/// Receives each rendered page, from many threads at once.
pub type Sink<'a> = dyn Fn(&OutputFile) + Sync + 'a;
