//! [`ClusterError`]: everything that can go wrong while preparing, starting or
//! stopping the private cluster, each message saying what to do about it.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

/// Errors from preparing, starting or stopping the private cluster.
///
/// The messages are shown to users, so each says what went wrong, where, and what to
/// do about it.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No PostgreSQL server programs on this machine.
    #[error(
        "no PostgreSQL server programs (initdb, pg_ctl, postgres) found; looked in: \
         {searched}. Install the PostgreSQL server package (Debian/Ubuntu: `apt install \
         postgresql`, Fedora: `dnf install postgresql-server`, macOS: `brew install \
         postgresql`), set FAQD_PG_BINDIR to the directory holding initdb and pg_ctl, or \
         set DATABASE_URL to use an existing PostgreSQL server"
    )]
    NoServer {
        /// Where we looked, for the message.
        searched: String,
    },

    /// `FAQD_PG_BINDIR` names a directory without the server programs.
    #[error(
        "FAQD_PG_BINDIR is {path}, but that directory does not contain the PostgreSQL \
         server programs initdb, pg_ctl and postgres; point it at the server's bin \
         directory (e.g. /usr/lib/postgresql/15/bin) or unset it"
    )]
    BadBinDir {
        /// The value of `FAQD_PG_BINDIR`.
        path: PathBuf,
    },

    /// Running as root, and there is no `faqd` system user to run the server as.
    #[error(
        "faqd runs as root and PostgreSQL refuses to run as root, so the private cluster runs \
         as the unprivileged `faqd` system user, but there is none: {reason}. Create it \
         (`useradd --system --user-group --no-create-home --home-dir /nonexistent --shell \
         /usr/sbin/nologin faqd`), run faqd as an ordinary user, or set DATABASE_URL to use \
         an existing server"
    )]
    NoServerUser {
        /// Why not (it could not be created; it has uid 0).
        reason: String,
    },

    /// The user database could not be read.
    #[error("could not look up the `{name}` system user: {source}")]
    UserLookup {
        /// The user name looked up.
        name: String,
        /// The failure from `getpwnam_r`.
        source: nix::Error,
    },

    /// A file system operation failed.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What we were doing, e.g. "create directory".
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },

    /// A program could not be run at all.
    #[error("could not run `{command}`: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// The underlying error.
        source: io::Error,
    },

    /// A program ran and failed.
    #[error("`{command}` failed ({status}){}", with_colon(output))]
    CommandFailed {
        /// The command line.
        command: String,
        /// How it ended.
        status: ExitStatus,
        /// Its stdout and stderr (the end of them, when long).
        output: String,
    },

    /// `pg_ctl start` failed; the server log usually says why.
    #[error(
        "the PostgreSQL server for {pgdata} did not start{}\nlast lines of {log}:\n{log_tail}",
        with_colon(output)
    )]
    StartFailed {
        /// The cluster's data directory.
        pgdata: PathBuf,
        /// What `pg_ctl` printed.
        output: String,
        /// The server log.
        log: PathBuf,
        /// Its last lines.
        log_tail: String,
    },

    /// A directory faqd needs to own belongs to someone else.
    #[error(
        "{path} belongs to uid {owner}, but faqd would run the PostgreSQL server as \
         {user} (uid {expected}), which cannot use it. Run faqd as the user who owns it \
         (a cluster created while faqd ran as root belongs to the `faqd` system user, or to \
         `postgres` if created by an older faqd: run faqd as root to use it), give faqd another data directory, or remove {path} if it holds \
         nothing you need"
    )]
    WrongOwner {
        /// The directory.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// The user the cluster runs as.
        user: String,
        /// That user's uid.
        expected: u32,
    },

    /// The server user cannot reach a directory it must use.
    #[error(
        "the `{user}` user, which runs the private PostgreSQL server, cannot enter {path}; {hint}"
    )]
    Unreachable {
        /// The directory.
        path: PathBuf,
        /// The server user.
        user: String,
        /// What to do about it.
        hint: String,
    },

    /// The cluster was created by another PostgreSQL major version.
    #[error(
        "the cluster in {pgdata} was created by PostgreSQL {cluster}, but the server \
         programs in {bindir} are PostgreSQL {server}. Install the PostgreSQL {cluster} \
         server programs and set FAQD_PG_BINDIR to their directory, or upgrade the \
         cluster (pg_upgrade, or pg_dumpall and restore into a new cluster)"
    )]
    VersionMismatch {
        /// The cluster's data directory.
        pgdata: PathBuf,
        /// Its `PG_VERSION`.
        cluster: String,
        /// The programs' major version.
        server: String,
        /// Where the programs are.
        bindir: PathBuf,
    },

    /// The output of a server program could not be understood.
    #[error("could not read the PostgreSQL version from `{command}`, which printed: {output}")]
    UnknownVersion {
        /// The command line.
        command: String,
        /// What it printed.
        output: String,
    },

    /// `pg_ctl status` says a server runs, but it does not accept connections.
    #[error(
        "a PostgreSQL server is running for {pgdata} (according to its postmaster.pid) but \
         did not accept connections on {socket} within 30 s. Look at {log}; if it is stuck, \
         stop it (`pg_ctl stop -D {pgdata}` as {user}) and start faqd again"
    )]
    NotResponding {
        /// The cluster's data directory.
        pgdata: PathBuf,
        /// The socket we tried.
        socket: PathBuf,
        /// The server log.
        log: PathBuf,
        /// The user the server runs as.
        user: String,
    },

    /// A path `pg_ctl` cannot pass through `/bin/sh`.
    #[error(
        "cannot run the private PostgreSQL cluster in {path}: pg_ctl passes its paths \
         through /bin/sh, which mangles the characters \" ` $ \\ and newlines; use a data \
         directory whose path has none of them"
    )]
    UnsupportedPath {
        /// The offending path.
        path: PathBuf,
    },

    /// A symbolic link where faqd reads, writes or changes owners.
    #[error(
        "refusing to use {path}: it is a symbolic link (or a path through one), and faqd \
         follows no symbolic link inside its data and cluster directories, since one planted \
         there could make it change or reveal files elsewhere. Remove the link (and check who \
         put it there), or give faqd another data directory"
    )]
    Symlink {
        /// The link.
        path: PathBuf,
    },

    /// Running as root with a data directory someone else controls.
    #[error(
        "refusing to use the data directory {path} as root: {reason}. Whoever controls it \
         could plant links that make root change files elsewhere. Give it to root (`chown \
         root: {path}; chmod go-w {path}`), choose another data directory, or run faqd as \
         an ordinary user"
    )]
    UntrustedDataDir {
        /// The data directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A file faqd writes as root in a directory the server user owns looks tampered with.
    #[error("refusing to write {path}: {reason}")]
    UnsafeFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The socket directory in `/tmp` exists but is not ours, or not private.
    #[error(
        "socket directory {path} is not safe to use ({reason}); remove it and start faqd again"
    )]
    UnsafeSocketDir {
        /// The directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// `": output"`, or nothing when there is no output.
fn with_colon(output: &str) -> String {
    if output.is_empty() {
        String::new()
    } else {
        format!(": {output}")
    }
}

/// Shorthand for mapping an `io::Error` to [`ClusterError::Io`].
///
/// `ELOOP` is what opening a symbolic link with `O_NOFOLLOW` fails with: that becomes
/// [`ClusterError::Symlink`].
pub(super) fn io_err(
    action: &'static str,
    path: &Path,
) -> impl FnOnce(io::Error) -> ClusterError + use<> {
    let path = path.to_path_buf();
    move |source| {
        if source.raw_os_error() == Some(nix::libc::ELOOP) {
            ClusterError::Symlink { path }
        } else {
            ClusterError::Io {
                action,
                path,
                source,
            }
        }
    }
}
