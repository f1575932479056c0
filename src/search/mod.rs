//! Search: everything between a reader's query and a ranked page of hits.
//!
//! - the engines: [`postgres`] (full-text SQL), [`lexical`] (the in-memory tantivy index),
//!   [`semantic`] (embeddings index and its worker) over [`embed`] (local or remote models);
//! - [`Searcher`]: the one entry point the handlers call (it picks the engine, bounds the
//!   database work, fuses the rankings with [`fusion`], counts facets and insights);
//! - the parts around them: [`query`] (terms, compounds, typos), [`highlight`], [`lexicon`],
//!   [`language`], [`hit`] (what a search returns), [`vocabulary`], [`suggest`], [`facets`],
//!   [`insights`].

pub mod embed;
pub mod facets;
pub mod fusion;
pub mod highlight;
pub mod hit;
pub mod insights;
pub mod language;
pub mod lexical;
pub mod lexicon;
pub mod memory;
pub mod newest;
pub mod postgres;
pub mod query;
pub mod searcher;
pub mod semantic;
pub mod suggest;
pub mod typo;
pub mod vocabulary;

pub use searcher::Searcher;
