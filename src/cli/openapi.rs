//! `faqd openapi`: print the OpenAPI document, with no database.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct OpenapiArgs {
    /// Write the document to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn run(args: &OpenapiArgs) -> anyhow::Result<()> {
    let json = crate::api::openapi::api_doc_json();
    match &args.output {
        Some(path) => {
            std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            print!("{json}");
            Ok(())
        }
    }
}
