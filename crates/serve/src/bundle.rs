//! What a run directory holds for serving: read by the run layer
//! ([`gnnrec_run::ServableRun`], [`gnnrec_run::run_dir`]), which owns the layout; the server
//! names it [`LoadedRun`].
//!
//! A run trained on data that may not be redistributed (ml-100k, HetRec Last.fm, gowalla,
//! yelp2018, …) carries its training interactions in `seen.safetensors`: do not publish it.

pub use gnnrec_run::run_dir::{SEEN_FILE, TITLES_FILE};
pub use gnnrec_run::serving::bytes_needed;

/// A run loaded for serving: the model and what it needs to answer.
pub type LoadedRun = gnnrec_run::ServableRun;
