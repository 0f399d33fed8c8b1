//! Probabilistic patient matching (Fellegi–Sunter): normalised records ([`record`]),
//! blocking into candidate pairs ([`blocking`]), per-field comparison levels ([`compare`]),
//! a model fitted without labels and explainable scores ([`model`]), clusters of linked
//! records ([`cluster`]), pair metrics for measuring it ([`evaluate`]) and, for a merge,
//! which value of each field survives ([`survivorship`]).
//!
//! Pure functions over records in memory: no store, no I/O, no logging of values.

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod evaluate;
pub mod model;
pub mod parallel;
pub mod patient;
pub mod record;
pub mod survivorship;
#[doc(hidden)]
pub mod synthetic;
