//! Search: everything between a reader's query and a ranked page of hits.
//!
//! - the engines: [`postgres`] (full-text SQL), [`lexical`] (the in-memory tantivy index),
//!   [`semantic`] (embeddings index and its worker) over [`embed`] (local or remote models);
//! - [`hybrid`]: the engines' rankings fused;
//! - the parts around them: [`query`] (terms, compounds, typos), [`highlight`], [`lexicon`],
//!   [`vocabulary`], [`suggest`], [`facets`], [`insights`].

pub mod embed;
pub mod facets;
pub mod highlight;
pub mod hit;
pub mod hybrid;
pub mod insights;
pub mod lexical;
pub mod lexicon;
pub mod postgres;
pub mod query;
pub mod semantic;
pub mod suggest;
pub mod typo;
pub mod vocabulary;
