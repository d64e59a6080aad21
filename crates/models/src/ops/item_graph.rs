//! The settings of the item–item graph of the training interactions
//! ([`gnnrec_graph::item_graph`]), shared by item-KNN and IRGNN.

use gnnrec_graph::EdgeWeight;

use crate::framework::config::Range;

crate::settings! {
    /// How the item–item graph weighs an edge: flattened into the configurations of the
    /// models built on that graph (item-KNN, IRGNN).
    #[derive(Copy)]
    pub struct ItemGraphSettings {
        /// Edge weight of the item graph.
        pub item_graph: EdgeWeight = EdgeWeight::Cosine => (
            Range::OneOf(&EdgeWeight::NAMES),
            "edge weight of the item–item graph (count, cosine, jaccard, time, decay)"
        ),
        /// τ in days for [`EdgeWeight::Decay`].
        pub tau: f64 = 30.0 => (
            Range::PositiveReal,
            "decay scale τ in days, for item_graph decay"
        ),
    }
}
