//! Mapping: the spec that says how legacy columns become FHIR R4 resources, the
//! transforms applied on the way, and the conversion of staged rows into resources.

pub mod convert;
pub mod duplicates;
pub mod spec;
pub mod suggest;
pub mod transforms;
