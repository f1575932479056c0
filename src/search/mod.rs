//! Search parts that stand apart from the engines: the query's terms (compounds, typos),
//! the surface vocabulary of the in-memory index, suggestions as one types, and facets.
//!
//! The engines themselves (`crate::lexical`, `crate::semantic`, `crate::hybrid`,
//! `crate::store::search`) stay where they are until the layout refactor moves them here.

pub mod facets;
pub mod query;
pub mod suggest;
pub mod typo;
pub mod vocabulary;
