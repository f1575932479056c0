//! Events: what this process hears of the change log (`signal`), and what it sends on to
//! webhooks (`webhooks`). Their SQL is in `crate::store::{changes, webhooks}`.

pub mod signal;
pub mod webhooks;
