//! The network page (the whole wiki's picture, a force layout of tens of milliseconds: made
//! beside the other outputs) and its kind filter's stylesheet.

use super::Made;
use crate::render::{Partial, Renderer};

pub(super) fn make(r: &Renderer, _: &Partial) -> Vec<Made> {
    let network = crate::diagram::network(&r.diagram_view());
    r.network_page(network).into()
}
