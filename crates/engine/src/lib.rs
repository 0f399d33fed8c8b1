//! Cutover's engine: every stage of the migration pipeline (import, mapping and
//! conversion, validation, push) over a project store, behind the use cases in [`api`].
//! No UI, no CLI parsing and no printing here: the faces call [`api`] and present results.

pub mod api;
pub mod crosswalk;
pub mod error;
pub mod fhir;
mod findings;
pub mod import;
pub mod mapping;
pub mod matching;
pub mod profile;
pub mod push;
pub mod store;
pub mod validate;

pub use error::{EngineError, Result};
