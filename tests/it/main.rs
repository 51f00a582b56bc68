//! The one integration-test binary: tiny sites written in code, built by the real `kwiki`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may panic on their own fixtures.

mod bad_input;
mod browser;
mod build;
mod cli;
mod data;
mod editor;
mod hardening;
mod history;
mod hostile;
mod incremental;
mod markdown;
mod markdown_spec;
mod pictures;
mod props;
mod reader;
mod safety;
mod serve;
mod support;
mod templates;
mod timeline;
mod wiki;
mod wikilinks;
