//! The framework every model plugs into: what a model declares and makes ([`model`]), the
//! adapter that erases its types for the registry ([`plugin`]), typed configurations
//! ([`config`]), what training is given and reports to ([`context`], [`observer`],
//! [`checkpoint`]), saved arrays ([`weights`]), memory estimates ([`memory`]), devices
//! ([`device`]) and errors ([`error`]). It names no model.

pub mod checkpoint;
pub mod config;
pub mod context;
pub mod device;
pub mod error;
pub mod memory;
pub mod model;
pub mod observer;
pub mod plugin;
pub mod shard_checkpoint;
pub mod sharded;
pub mod weights;
