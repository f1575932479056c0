//! The `faqd` binary: parse the command line, hand it to the library.

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
    // The embedding engine's OpenMP threads would otherwise spin while idle, taking the cores
    // PostgreSQL and the HTTP workers need. Set before any other thread exists.
    if std::env::var_os("OMP_WAIT_POLICY").is_none() {
        // SAFETY: the process is still single-threaded: nothing reads the environment
        // concurrently.
        unsafe { std::env::set_var("OMP_WAIT_POLICY", "PASSIVE") };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("faqd: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(run())
}

async fn run() -> std::process::ExitCode {
    // sqlx's pool pings every connection handed back and warns when the ping fails; it then
    // drops that connection and opens another when one is needed, so the line names no fault
    // to act on. It comes at shutdown, when a connection opened by a stopped HTTP worker is
    // handed back. Its pool's errors stay logged; a dead database shows in faqd's own lines
    // (503s, `/readyz`).
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,sqlx=warn,sqlx_core::pool::connection=error,tantivy=error,rmcp=error")
    });
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // `FAQD_LOG_FORMAT=json`: one JSON object a line, the request's span (request id, method,
    // path) on every line of that request.
    match std::env::var("FAQD_LOG_FORMAT").as_deref() {
        Ok("json") => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        Ok("text") | Err(_) => logs.init(),
        Ok(other) => {
            logs.init();
            tracing::warn!(
                format = other,
                "FAQD_LOG_FORMAT is text or json; logging as text"
            );
        }
    }
    let cli = faqd::cli::Cli::parse();
    match faqd::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("faqd: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
