//! Column profiling: what each column of a staged snapshot holds (fill, distinct values,
//! most frequent values and patterns, the type the values fit, range and lengths), from
//! one streaming pass over its staging table. The result is cached in the project.
//!
//! - `pattern`: a value's shape (`04183` → `99999`), also the SQL function the grid's
//!   pattern filter uses;
//! - `infer`: which type (date and its format, integer, code, …) the values fit;
//! - `column`: everything counted for one column, value by value, in bounded memory;
//! - `scan`: the pass over the staging table, columns spread over worker threads;
//! - `cache`: storing and reading profiles in the project.

pub(crate) mod cache;
pub(crate) mod column;
pub mod infer;
pub mod pattern;
pub(crate) mod scan;

/// How many values and patterns a profile lists per column.
pub const TOP_N: usize = 10;
