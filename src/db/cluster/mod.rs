//! The private PostgreSQL cluster faqd runs when no `DATABASE_URL` is given.
//!
//! [`PrivateCluster::start`] makes sure a PostgreSQL cluster exists for a faqd data
//! directory (running `initdb` on first use) and that its server runs, using the
//! PostgreSQL server programs installed on the machine. Nothing is downloaded and no
//! system service is touched: the cluster is an ordinary directory plus a server
//! process started with `pg_ctl`.
//!
//! # Server programs
//!
//! Looked up in this order; the first directory holding `initdb`, `pg_ctl` and
//! `postgres` wins:
//!
//! 1. `$FAQD_PG_BINDIR` (an explicit choice: when it is wrong that is an error, not a
//!    reason to look elsewhere);
//! 2. `pg_config --bindir` (on Debian `/usr/bin/pg_config` may belong to libpq-dev and
//!    name a directory without the server, hence the check);
//! 3. `initdb` on `PATH` (symlinks resolved, so `/usr/local/bin/initdb ->
//!    /usr/lib/postgresql/15/bin/initdb` finds its `pg_ctl`);
//! 4. the highest version under `/usr/lib/postgresql/*/bin` (Debian/Ubuntu) or
//!    `/usr/pgsql-*/bin` (PGDG RPMs).
//!
//! A cluster only runs with the major version that created it. When an existing
//! cluster's `PG_VERSION` differs from the programs found in steps 2–4 and
//! `/usr/lib/postgresql/<that version>/bin` exists, those programs are used instead.
//!
//! # Where the cluster lives, and who runs it
//!
//! `initdb` and `postgres` refuse to run as root. So:
//!
//! * **Not root**: everything runs as the current user and the cluster lives in
//!   `<data dir>/postgres`.
//! * **Root**: `initdb`, `pg_ctl` and the server run as the `postgres` system user
//!   (as installed by the PostgreSQL packages), and the cluster directory is owned
//!   by it. That user must be able to enter every directory down to the cluster, and
//!   a data directory under `/root` (mode 0700) is out of its reach. faqd never
//!   loosens the permissions of the user's directories. Instead it asks the system
//!   (by running `test -x` as `postgres`, which honours ACLs): when `postgres` can
//!   enter the data directory the cluster goes in `<data dir>/postgres`; otherwise it
//!   goes in `/var/lib/faqd/<hash>`, where `<hash>` is derived from the data
//!   directory's canonical path, so it is stable across runs. The choice is recorded
//!   in `<data dir>/postgres-location` (first line: the path) so that a human can
//!   find it, and it is sticky: later runs use the recorded cluster even if
//!   permissions change. `/var/lib` rather than `/var/tmp` because systemd-tmpfiles
//!   ages out files under `/var/tmp` (30 days on Fedora, Arch, Debian 13+), and the
//!   files of an idle database are exactly the kind of file nobody touches for a
//!   month.
//!
//! Inside the cluster directory: `data/` (PGDATA), `postgres.log` (server log) and,
//! when the path is short enough, `sock/` (the socket directory).
//!
//! # Security
//!
//! Nothing under the data directory, nor in the cluster directory faqd prepares, is
//! reached through a symbolic link: files are opened with `O_NOFOLLOW`, directories
//! changed through descriptors opened with `O_NOFOLLOW | O_DIRECTORY`, files written
//! as new files (`O_EXCL`) renamed into place; a planted link is an error
//! ([`ClusterError::Symlink`]). Running as root, the data directory must be root's
//! and closed to others' writes ([`ClusterError::UntrustedDataDir`]).
//!
//! The cluster uses `trust` authentication on its Unix socket: whoever can connect
//! is the superuser. So it listens on no TCP address (`listen_addresses = ''`, and
//! `pg_hba.conf` rejects TCP connections should someone enable them), only on a
//! Unix socket in a directory of mode 0700 owned by the server user, and the socket
//! itself has `unix_socket_permissions = 0700`. The privacy of that socket is the
//! security boundary: only the server user and root can connect.
//!
//! Unix socket paths are limited to about 107 bytes, so when
//! `<cluster>/sock/.s.PGSQL.5432` would be 100 bytes or longer (or contains
//! characters that would need quoting), the socket goes in `/tmp/faqd-<hash of the
//! cluster directory>/` instead. Anyone can create directories in `/tmp`, so that
//! one is checked before use: a real directory, owned by the server user, mode 0700.
//!
//! # Concurrency, crashes and reuse
//!
//! The whole check/initdb/start sequence (and [`PrivateCluster::stop`]) runs while
//! holding an exclusive lock on `<data dir>/.faqd-cluster.lock`, so two faqd
//! processes never race to create or start the same cluster. When the server already
//! runs (`pg_ctl status`), `start` attaches to it and [`PrivateCluster::owned`] is
//! false. Every handle registers in `<data dir>/.faqd-cluster.users` (PID, process
//! start time so that a recycled PID does not count, and a number per handle);
//! `stop` removes its line, drops those of processes that are gone, and stops the
//! server only when nobody is left — whoever started it. A server whose users all
//! died is left running and reused by the next faqd.
//! [`PrivateCluster::ensure_running`] starts a server that died again (any user may:
//! see `db::cluster::supervise`); a postmaster that died as a zombie, which `pg_ctl status`
//! takes for a live one, has its `postmaster.pid` removed first. `initdb` writes into a
//! temporary directory which is renamed into place (and the rename made durable)
//! only on success, so a half-initialised cluster is never mistaken for a good one.
//! A stale `postmaster.pid` after a crash is cleaned up by PostgreSQL itself; a
//! server that `pg_ctl status` reports running but that does not accept connections
//! yet (recovering, or killed and not yet reaped) is waited for, up to 30 s.
//!
//! Clusters are durable by default. `FAQD_PG_NOSYNC=1` (for tests) passes
//! `--no-sync` to `initdb`, which skips fsyncing the new cluster's files (seconds
//! on slow disks).
//!
//! Databases use the `C.UTF-8` locale, which gives PostgreSQL correct character
//! classification for non-ASCII text (full-text search needs it) with byte-order
//! collation; when the system lacks that locale, `initdb --no-locale` is used and a
//! warning logged.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs::{self, DirBuilder, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write as _};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nix::unistd::{Uid, User};
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgSslMode};

pub(super) mod supervise;

/// Name of the database superuser `initdb` creates (`-U`).
const SUPERUSER: &str = "postgres";
/// System user that runs the server when faqd runs as root.
const SERVER_USER: &str = "postgres";
/// Port assumed until `postmaster.pid` says otherwise; it only names the socket file.
const DEFAULT_PORT: u16 = 5432;
/// Socket paths at least this long go to `/tmp` instead (`sun_path` is 108 bytes).
const MAX_SOCKET_PATH: usize = 100;
/// How long `pg_ctl` waits for the server to start or stop.
const PG_CTL_TIMEOUT_SECS: &str = "60";
/// How long to wait for a server someone else started to accept connections.
const ATTACH_TIMEOUT: Duration = Duration::from_secs(30);

/// Lock file in the data directory, held while checking, creating or starting.
const LOCK_FILE: &str = ".faqd-cluster.lock";
/// File in the data directory listing the faqd processes using the cluster (one
/// `pid start-time lease-id` line each); the last one to leave stops the server.
const USERS_FILE: &str = ".faqd-cluster.users";
/// File in the data directory naming a cluster kept elsewhere (root fallback).
const LOCATION_FILE: &str = "postgres-location";
/// Cluster directory inside the data directory.
const CLUSTER_SUBDIR: &str = "postgres";
/// Where root's clusters go when the `postgres` user cannot reach the data directory.
const FALLBACK_ROOT: &str = "/var/lib/faqd";
/// File in a fallback cluster directory naming the data directory it belongs to.
const ORIGIN_FILE: &str = "data-dir";

/// PGDATA inside the cluster directory.
const PGDATA_SUBDIR: &str = "data";
/// Where `initdb` writes before the result is renamed to [`PGDATA_SUBDIR`].
const PGDATA_PARTIAL: &str = "data.initdb-partial";
/// Socket directory inside the cluster directory, when the path is short enough.
const SOCKET_SUBDIR: &str = "sock";
/// Server log inside the cluster directory.
const LOG_FILE: &str = "postgres.log";

/// Settings appended to `postgresql.conf` at initdb time. In the file rather than on
/// the `pg_ctl` command line so that a human starting the cluster by hand gets the
/// same private, socket-only server.
const CONFIG: &str = "
# Added by faqd. This cluster uses trust authentication, so it must only be reachable
# through its Unix socket, which only the server's user (and root) may use. faqd
# passes the socket directory with -k when it starts the server.
listen_addresses = ''
port = 5432
unix_socket_permissions = 0700
";

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

    /// Running as root, and there is no `postgres` user to run the server as.
    #[error(
        "faqd runs as root and PostgreSQL refuses to run as root, but there is no \
         `postgres` system user to run the private cluster as. Create an unprivileged \
         user named postgres (installing the PostgreSQL server package does that; or \
         `useradd --system --user-group --home-dir /var/lib/postgresql postgres`), run \
         faqd as an ordinary user, or set DATABASE_URL to use an existing server"
    )]
    NoServerUser,

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
         (a cluster created while faqd ran as root belongs to `postgres`: run faqd as root \
         to use it), give faqd another data directory, or remove {path} if it holds \
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
fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ClusterError + use<> {
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

/// A running private cluster, started or attached to by [`PrivateCluster::start`].
#[derive(Debug)]
pub struct PrivateCluster {
    /// Canonical faqd data directory (holds the lock file).
    data_dir: PathBuf,
    /// Directory holding PGDATA, the log and perhaps the socket directory.
    cluster_dir: PathBuf,
    /// PGDATA.
    pgdata: PathBuf,
    /// Directory of the server's Unix socket.
    socket_dir: PathBuf,
    /// Port number, which names the socket file.
    port: u16,
    /// Major version of the cluster, e.g. "15".
    version: String,
    /// Directory of the server programs.
    bindir: PathBuf,
    /// Who runs the server programs.
    user: ServerUser,
    /// Whether this process started the server.
    owned: bool,
    /// This handle's line in the users file.
    lease: Lease,
}

impl PrivateCluster {
    /// Ensure the cluster under `data_dir` exists (initdb on first use) and runs;
    /// attach when it already runs.
    ///
    /// Creates `data_dir` when missing. Blocking (runs `initdb` and `pg_ctl`, and may
    /// wait for another faqd holding the cluster lock): call it in
    /// `spawn_blocking` or before the runtime starts.
    pub fn start(data_dir: &Path) -> Result<PrivateCluster, ClusterError> {
        let began = Instant::now();
        fs::create_dir_all(data_dir).map_err(io_err("create data directory", data_dir))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(io_err("resolve data directory", data_dir))?;
        check_data_dir(&data_dir)?;
        let _lock = lock_data_dir(&data_dir)?;

        let user = ServerUser::resolve()?;
        let mut bindir = find_bindir()?;
        let cluster_dir = choose_cluster_dir(&data_dir, &user)?;
        if !is_shell_safe(&cluster_dir) {
            return Err(ClusterError::UnsupportedPath { path: cluster_dir });
        }
        let pgdata = cluster_dir.join(PGDATA_SUBDIR);

        let existing = read_pg_version(&pgdata)?;
        if let Some(cluster) = &existing
            && *cluster != bindir.version
        {
            bindir = bindir_for_version(bindir, cluster, &pgdata)?;
        }

        let mut cluster = PrivateCluster {
            data_dir,
            socket_dir: choose_socket_dir(&cluster_dir, DEFAULT_PORT),
            cluster_dir,
            pgdata,
            port: DEFAULT_PORT,
            version: existing.clone().unwrap_or_else(|| bindir.version.clone()),
            bindir: bindir.path,
            user,
            owned: false,
            lease: Lease::mine(),
        };
        tracing::debug!(
            bindir = %cluster.bindir.display(),
            user = %cluster.user.name,
            "using PostgreSQL {} server programs",
            cluster.version
        );

        if existing.is_none() {
            cluster.initdb()?;
        }
        if cluster.attach_if_running()? {
            tracing::info!(
                "attached to the private PostgreSQL {} server already running for {} (socket {})",
                cluster.version,
                cluster.pgdata.display(),
                cluster.socket_dir.display()
            );
        } else {
            cluster.run_server()?;
            cluster.owned = true;
            cluster.read_postmaster_pid();
            tracing::info!(
                "started private PostgreSQL {} server for {} (socket {}, log {}) in {:.1?}",
                cluster.version,
                cluster.pgdata.display(),
                cluster.socket_dir.display(),
                cluster.log_file().display(),
                began.elapsed()
            );
        }
        // Still under the lock: a faqd stopping now sees us and leaves the server running.
        update_users(&cluster.data_dir, |users| users.push(cluster.lease.clone()))?;
        Ok(cluster)
    }

    /// Options to connect as `role` (a role without a password: the socket's trust
    /// authentication lets whoever can reach it be any role) to database `database`.
    pub fn connect_options_as(&self, role: &str, database: &str) -> PgConnectOptions {
        self.connect_options(database).username(role)
    }

    /// Make sure the server runs, starting it again if it died (e.g. its postmaster
    /// was killed); true when this call started it. Blocking.
    ///
    /// Any faqd using the cluster may call this: under the cluster lock, the first
    /// one to get there starts the server and the others find it running.
    pub fn ensure_running(&self) -> Result<bool, ClusterError> {
        let _lock = lock_data_dir(&self.data_dir)?;
        if self.wait_until_accepting()?.is_some() {
            return Ok(false);
        }
        self.run_server()?;
        tracing::info!(
            "restarted the private PostgreSQL server for {}",
            self.pgdata.display()
        );
        Ok(true)
    }

    /// Whether the server accepts connections on its socket right now.
    pub fn accepts_connections(&self) -> bool {
        UnixStream::connect(self.socket_path()).is_ok()
    }

    /// Options to connect as the cluster's superuser to database `database`.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        // `new_without_pgpass` still reads PG* variables; everything that matters for
        // reaching this cluster is overridden below. TLS over a Unix socket is pointless
        // and the cluster has no certificate, so a PGSSLMODE=require must not leak in.
        PgConnectOptions::new_without_pgpass()
            .socket(&self.socket_dir)
            .port(self.port)
            .username(SUPERUSER)
            .database(database)
            .ssl_mode(PgSslMode::Disable)
            .application_name("faqd")
    }

    /// true when this process started the server (and so must stop it).
    pub fn owned(&self) -> bool {
        self.owned
    }

    /// The directory holding the cluster: PGDATA (`data/`), the server log and
    /// usually the socket directory. Outside the data directory when faqd runs as
    /// root and the `postgres` user cannot reach the data directory.
    pub fn cluster_dir(&self) -> &Path {
        &self.cluster_dir
    }

    /// A short human description, e.g.
    /// "private PostgreSQL 15 at /srv/faqd/postgres/data (socket /srv/faqd/postgres/sock)".
    pub fn describe(&self) -> String {
        format!(
            "private PostgreSQL {} at {} (socket {}{})",
            self.version,
            self.pgdata.display(),
            self.socket_dir.display(),
            if self.owned {
                ""
            } else {
                ", started by another process"
            }
        )
    }

    /// Leave the cluster: stop the server (`pg_ctl stop -m fast`) when no other live
    /// faqd process uses it, whoever started it; otherwise leave it running for them.
    /// Blocking.
    pub fn stop(&self) -> Result<(), ClusterError> {
        // Under the lock, so that a faqd starting concurrently either registers before
        // we look (and the server stays) or sees the server stopped and starts it.
        let _lock = lock_data_dir(&self.data_dir)?;
        let others = update_users(&self.data_dir, |users| users.retain(|u| *u != self.lease))?;
        if !others.is_empty() {
            let pids: Vec<String> = others.iter().map(|u| u.pid.to_string()).collect();
            tracing::info!(
                "leaving the private PostgreSQL server for {} running: other faqd processes \
                 use it (pid {})",
                self.pgdata.display(),
                pids.join(", ")
            );
            return Ok(());
        }
        if !self.is_running()? {
            return Ok(());
        }
        let began = Instant::now();
        self.pg_ctl(&[
            "stop".as_ref(),
            "-w".as_ref(),
            "-t".as_ref(),
            PG_CTL_TIMEOUT_SECS.as_ref(),
            "-m".as_ref(),
            "fast".as_ref(),
            "-D".as_ref(),
            self.pgdata.as_os_str(),
        ])?
        .check()?;
        tracing::info!(
            "stopped private PostgreSQL server for {} in {:.1?}",
            self.pgdata.display(),
            began.elapsed()
        );
        Ok(())
    }

    fn log_file(&self) -> PathBuf {
        self.cluster_dir.join(LOG_FILE)
    }

    /// Run `initdb` into a temporary directory and move the result into place.
    fn initdb(&self) -> Result<(), ClusterError> {
        let partial = self.cluster_dir.join(PGDATA_PARTIAL);
        remove_partial(&partial)?;
        let nosync = std::env::var_os("FAQD_PG_NOSYNC").is_some_and(|v| v == "1");
        tracing::info!(
            "creating a new PostgreSQL {} cluster in {} (first run{})",
            self.version,
            self.pgdata.display(),
            if nosync { ", without fsync" } else { "" }
        );
        let began = Instant::now();

        let mut ran = self.run_initdb(&partial, "--locale=C.UTF-8", nosync)?;
        if !ran.output.status.success() && combined_output(&ran.output).contains("locale") {
            tracing::warn!(
                "the C.UTF-8 locale is not available (initdb: {}); creating the cluster \
                 with --no-locale, so full-text search treats non-ASCII letters as \
                 punctuation. Install the locale (Debian: the `locales` package) and \
                 recreate the cluster to fix that",
                combined_output(&ran.output)
            );
            remove_partial(&partial)?;
            ran = self.run_initdb(&partial, "--no-locale", nosync)?;
        }
        ran.check()?;

        let conf = partial.join("postgresql.conf");
        // Synced even with FAQD_PG_NOSYNC: losing these lines in a power cut would
        // leave a trust-authentication server listening on localhost.
        // initdb ran as the server user, who could have replaced the file with a link
        // to one of root's files: no symlink followed, and only a plain file of theirs.
        let mut file = OpenOptions::new()
            .append(true)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(&conf)
            .map_err(io_err("open", &conf))?;
        check_plain_file(&file, &conf, self.user.uid)?;
        file.write_all(CONFIG.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(io_err("append faqd's settings to", &conf))?;

        fs::rename(&partial, &self.pgdata)
            .map_err(io_err("move the new cluster to", &self.pgdata))?;
        // Make the rename durable: after a power cut the renamed directory must not
        // reappear under its temporary name, which the next start would delete.
        open_dir_nofollow(&self.cluster_dir)?
            .sync_all()
            .map_err(io_err("sync", &self.cluster_dir))?;
        tracing::info!(
            "created PostgreSQL {} cluster in {} in {:.1?}",
            self.version,
            self.pgdata.display(),
            began.elapsed()
        );
        Ok(())
    }

    fn run_initdb(&self, pgdata: &Path, locale: &str, nosync: bool) -> Result<Ran, ClusterError> {
        let mut args: Vec<&OsStr> = vec![
            "-D".as_ref(),
            pgdata.as_os_str(),
            "-U".as_ref(),
            SUPERUSER.as_ref(),
            // Trust on the socket only; TCP is not listened on, and should someone
            // enable it, pg_hba.conf still turns every TCP connection away.
            "--auth-local=trust".as_ref(),
            "--auth-host=reject".as_ref(),
            "-E".as_ref(),
            "UTF8".as_ref(),
            locale.as_ref(),
        ];
        if nosync {
            args.push("--no-sync".as_ref());
        }
        self.user.run(&self.bindir.join("initdb"), &args)
    }

    /// `pg_ctl status`: exit 0 when running, 3 when not.
    ///
    /// A postmaster killed (e.g. `kill -9`) while its parent is a process that does
    /// not reap orphans (some container init programs) stays a zombie, which
    /// `pg_ctl status` and the server's own `postmaster.pid` check take for a live
    /// server. Such a `postmaster.pid` is removed, so that the server can start again.
    fn is_running(&self) -> Result<bool, ClusterError> {
        let ran = self.pg_ctl(&["status".as_ref(), "-D".as_ref(), self.pgdata.as_os_str()])?;
        match ran.output.status.code() {
            Some(0) => {}
            Some(3) => return Ok(false),
            _ => return ran.check().map(|_| false),
        }
        let pid_file = self.pgdata.join("postmaster.pid");
        let pid = read_nofollow(&pid_file)
            .ok()
            .and_then(|text| text.lines().next()?.trim().parse::<i32>().ok());
        if let Some(pid) = pid
            && process_state(pid) == Some(ProcessState::Zombie)
        {
            tracing::warn!(
                "the PostgreSQL server (pid {pid}) for {} died; removing its postmaster.pid",
                self.pgdata.display()
            );
            match fs::remove_file(&pid_file) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err("remove", &pid_file)(e)),
            }
            return Ok(false);
        }
        Ok(true)
    }

    /// `pg_ctl start`, waiting until the server accepts connections.
    fn run_server(&self) -> Result<(), ClusterError> {
        self.prepare_socket_dir()?;
        tracing::info!(
            "starting private PostgreSQL {} server for {}",
            self.version,
            self.pgdata.display()
        );
        // pg_ctl hands -o to /bin/sh unquoted; choose_socket_dir only picks paths of
        // characters that need no quoting.
        let mut server_options = OsString::from("-k ");
        server_options.push(&self.socket_dir);
        let log = self.log_file();
        let Ran { output, .. } = self.pg_ctl(&[
            "start".as_ref(),
            "-w".as_ref(),
            "-t".as_ref(),
            PG_CTL_TIMEOUT_SECS.as_ref(),
            "-D".as_ref(),
            self.pgdata.as_os_str(),
            "-l".as_ref(),
            log.as_os_str(),
            "-o".as_ref(),
            &server_options,
        ])?;
        if output.status.success() {
            return Ok(());
        }
        Err(ClusterError::StartFailed {
            pgdata: self.pgdata.clone(),
            output: combined_output(&output),
            log_tail: tail(&log, 20).unwrap_or_else(|e| format!("(could not read it: {e})")),
            log,
        })
    }

    /// Create the socket directory, or check that an existing one is private.
    fn prepare_socket_dir(&self) -> Result<(), ClusterError> {
        if self.socket_dir.starts_with(&self.cluster_dir) {
            return ensure_owned_dir(&self.socket_dir, &self.user, 0o700);
        }
        // In /tmp, where anyone may have created it first: it must be a real directory
        // (not a symlink), owned by the server user and closed to others.
        match DirBuilder::new().mode(0o700).create(&self.socket_dir) {
            Ok(()) => self
                .user
                .chown(&open_dir_nofollow(&self.socket_dir)?, &self.socket_dir)?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err("create socket directory", &self.socket_dir)(e)),
        }
        let meta = fs::symlink_metadata(&self.socket_dir)
            .map_err(io_err("inspect socket directory", &self.socket_dir))?;
        let unsafe_dir = |reason: String| ClusterError::UnsafeSocketDir {
            path: self.socket_dir.clone(),
            reason,
        };
        if !meta.is_dir() {
            return Err(unsafe_dir("it is not a directory".into()));
        }
        if meta.uid() != self.user.uid {
            return Err(unsafe_dir(format!(
                "it belongs to uid {}, not to {} (uid {})",
                meta.uid(),
                self.user.name,
                self.user.uid
            )));
        }
        if meta.mode() & 0o077 != 0 {
            // Ours, merely too open (e.g. made by hand): tighten rather than refuse.
            open_dir_nofollow(&self.socket_dir)?
                .set_permissions(fs::Permissions::from_mode(0o700))
                .map_err(io_err("restrict permissions of", &self.socket_dir))?;
        }
        Ok(())
    }

    /// When a server runs for this cluster, wait until it accepts connections and
    /// adopt its socket; false when none runs (or it stopped while we waited).
    ///
    /// `pg_ctl status` only checks that the PID in `postmaster.pid` is alive, which
    /// is also true for a server still recovering, or one that was just killed and
    /// not yet reaped; attaching to either would hand out connections that fail.
    fn attach_if_running(&mut self) -> Result<bool, ClusterError> {
        match self.wait_until_accepting()? {
            Some(pid) => {
                self.adopt(&pid);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// When a server runs for this cluster, wait until it accepts connections and
    /// return its `postmaster.pid`; `None` when none runs.
    fn wait_until_accepting(&self) -> Result<Option<PidFile>, ClusterError> {
        let deadline = Instant::now() + ATTACH_TIMEOUT;
        let mut announced = false;
        loop {
            if !self.is_running()? {
                return Ok(None);
            }
            if let Some(pid) = self.postmaster_pid().filter(|pid| pid.ready) {
                let socket = pid.socket_dir.as_ref().unwrap_or(&self.socket_dir);
                if UnixStream::connect(socket.join(format!(".s.PGSQL.{}", pid.port))).is_ok() {
                    return Ok(Some(pid));
                }
            }
            if Instant::now() >= deadline {
                return Err(ClusterError::NotResponding {
                    pgdata: self.pgdata.clone(),
                    socket: self.socket_path(),
                    log: self.log_file(),
                    user: self.user.name.clone(),
                });
            }
            if !announced {
                tracing::info!(
                    "a PostgreSQL server is running for {} but not accepting connections yet; \
                     waiting up to {} s",
                    self.pgdata.display(),
                    ATTACH_TIMEOUT.as_secs()
                );
                announced = true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Read `postmaster.pid`, adopting the port and socket directory the running
    /// server actually uses (someone may have edited postgresql.conf). Keeps the
    /// computed values when the file is missing or unreadable.
    fn read_postmaster_pid(&mut self) -> Option<PidFile> {
        let pid = self.postmaster_pid()?;
        self.adopt(&pid);
        Some(pid)
    }

    fn adopt(&mut self, pid: &PidFile) {
        self.port = pid.port;
        if let Some(dir) = &pid.socket_dir {
            self.socket_dir.clone_from(dir);
        }
    }

    /// `postmaster.pid`, when it is there and readable.
    fn postmaster_pid(&self) -> Option<PidFile> {
        let path = self.pgdata.join("postmaster.pid");
        read_nofollow(&path)
            .inspect_err(|e| tracing::debug!("could not read {}: {e}", path.display()))
            .ok()
            .and_then(|text| parse_postmaster_pid(&text))
    }

    /// The server's Unix socket.
    pub fn socket_path(&self) -> PathBuf {
        self.socket_dir.join(format!(".s.PGSQL.{}", self.port))
    }

    fn pg_ctl(&self, args: &[&OsStr]) -> Result<Ran, ClusterError> {
        self.user.run(&self.bindir.join("pg_ctl"), args)
    }
}

/// The user the server programs run as.
#[derive(Debug, Clone)]
struct ServerUser {
    name: String,
    uid: u32,
    gid: u32,
    /// Whether commands must switch to this user (faqd runs as root).
    switch: bool,
}

impl ServerUser {
    /// The current user, or the `postgres` system user when running as root.
    fn resolve() -> Result<ServerUser, ClusterError> {
        let euid = Uid::effective();
        if !euid.is_root() {
            let name = User::from_uid(euid)
                .ok()
                .flatten()
                .map_or_else(|| format!("uid {euid}"), |u| u.name);
            return Ok(ServerUser {
                name,
                uid: euid.as_raw(),
                gid: nix::unistd::Gid::effective().as_raw(),
                switch: false,
            });
        }
        let user = User::from_name(SERVER_USER)
            .map_err(|source| ClusterError::UserLookup {
                name: SERVER_USER.to_owned(),
                source,
            })?
            .ok_or(ClusterError::NoServerUser)?;
        if user.uid.is_root() {
            // A "postgres" user with uid 0 would be root by another name.
            return Err(ClusterError::NoServerUser);
        }
        Ok(ServerUser {
            name: user.name,
            uid: user.uid.as_raw(),
            gid: user.gid.as_raw(),
            switch: true,
        })
    }

    /// Run `program` as this user and collect its output; fails only when it cannot
    /// be run at all.
    fn run(&self, program: &Path, args: &[&OsStr]) -> Result<Ran, ClusterError> {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::null())
            // English messages, so errors are greppable (see the locale fallback) and
            // the same in every report.
            .env_remove("LC_ALL")
            .env("LC_MESSAGES", "C")
            // The server would take its port default from PGPORT; ours is in the config.
            .env_remove("PGPORT")
            .env_remove("PGDATA");
        if self.switch {
            // std also drops root's supplementary groups when uid is set. The working
            // directory must be one this user can enter (faqd's may be under /root).
            cmd.uid(self.uid).gid(self.gid).current_dir("/");
        }
        // pg_ctl start redirects the server's stdio to the log, so the pipes close when
        // pg_ctl exits and `output` does not wait for the server. Our lock file is
        // close-on-exec (as all files std opens), so the server does not inherit it.
        let command = command_line(program, args);
        match cmd.output() {
            Ok(output) => Ok(Ran { command, output }),
            Err(source) => Err(ClusterError::Spawn { command, source }),
        }
    }

    /// Give the open file or directory `file` (at `path`, for messages) to this user,
    /// when commands run as another user. By descriptor, so no link is followed.
    fn chown(&self, file: &File, path: &Path) -> Result<(), ClusterError> {
        if self.switch {
            std::os::unix::fs::fchown(file, Some(self.uid), Some(self.gid))
                .map_err(io_err("change owner of", path))?;
        }
        Ok(())
    }

    /// Whether this user can enter (and, with `write`, create files in) `dir`,
    /// asked of the system by running `test` as the user: that follows the same path
    /// resolution, permission bits and ACLs that the server will meet.
    fn can_enter(&self, dir: &Path, write: bool) -> Result<bool, ClusterError> {
        if !self.switch {
            return Ok(true);
        }
        let test = ["/usr/bin/test", "/bin/test"]
            .into_iter()
            .map(Path::new)
            .find(|p| p.exists())
            .unwrap_or(Path::new("test"));
        let mut args: Vec<&OsStr> = vec!["-x".as_ref(), dir.as_os_str()];
        if write {
            args.extend(["-a".as_ref(), "-w".as_ref(), dir.as_os_str()]);
        }
        Ok(self.run(test, &args)?.output.status.success())
    }
}

/// Take the exclusive cluster lock of `data_dir`, waiting for other holders.
fn lock_data_dir(data_dir: &Path) -> Result<File, ClusterError> {
    let path = data_dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(&path)
        .map_err(io_err("open lock file", &path))?;
    if !file.metadata().map_err(io_err("inspect", &path))?.is_file() {
        return Err(ClusterError::UnsafeFile {
            path,
            reason: "it is not a regular file".into(),
        });
    }
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            tracing::info!(
                "waiting for another faqd to finish preparing the PostgreSQL cluster (lock {})",
                path.display()
            );
            file.lock().map_err(io_err("lock", &path))?;
        }
        Err(TryLockError::Error(e)) => return Err(io_err("lock", &path)(e)),
    }
    Ok(file)
}

/// Numbers this process's leases (and temporary file names) apart.
static NEXT_LEASE: AtomicU64 = AtomicU64::new(1);

/// One user of the cluster: a line of the users file.
#[derive(Debug, Clone, PartialEq)]
struct Lease {
    pid: i32,
    /// The process's start time (clock ticks after boot, `/proc/<pid>/stat` field
    /// 22), so that a recycled PID is not taken for the user; 0 when unknown.
    start: u64,
    /// Tells apart several handles in one process.
    id: u64,
}

impl Lease {
    /// A new lease for this process.
    fn mine() -> Lease {
        let pid = i32::try_from(std::process::id()).unwrap_or(i32::MAX);
        Lease {
            pid,
            start: process_start(pid).unwrap_or(0),
            id: NEXT_LEASE.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Whether the process holding it still runs.
    fn is_live(&self) -> bool {
        match process_state(self.pid) {
            Some(ProcessState::Running { start }) => self.start == 0 || start == self.start,
            Some(ProcessState::Zombie) | None => false,
            Some(ProcessState::Unknown) => true,
        }
    }
}

fn parse_users(text: &str) -> Vec<Lease> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            Some(Lease {
                pid: fields.next()?.parse().ok()?,
                start: fields.next()?.parse().ok()?,
                id: fields.next()?.parse().ok()?,
            })
        })
        .collect()
}

fn format_users(users: &[Lease]) -> String {
    let mut text = String::from(
        "# faqd processes using this data directory's PostgreSQL server: pid, start time, lease\n",
    );
    for u in users {
        let _ = writeln!(text, "{} {} {}", u.pid, u.start, u.id);
    }
    text
}

/// Read the users file of `data_dir`, drop the processes that are gone, apply
/// `change`, write it back; returns the users left. Call it holding the cluster lock.
fn update_users(
    data_dir: &Path,
    change: impl FnOnce(&mut Vec<Lease>),
) -> Result<Vec<Lease>, ClusterError> {
    let path = data_dir.join(USERS_FILE);
    let mut users = match read_nofollow(&path) {
        Ok(text) => parse_users(&text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io_err("read", &path)(e)),
    };
    users.retain(Lease::is_live);
    change(&mut users);
    write_file(&path, &format_users(&users))?;
    Ok(users)
}

/// What the system says about a process.
#[derive(Debug, PartialEq)]
enum ProcessState {
    Running {
        start: u64,
    },
    /// Dead but not reaped by its parent.
    Zombie,
    /// Alive, details unknown (no `/proc`).
    Unknown,
}

/// The state of process `pid`, `None` when there is none.
fn process_state(pid: i32) -> Option<ProcessState> {
    if pid <= 0 {
        return None;
    }
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(text) => Some(parse_proc_stat(&text).unwrap_or(ProcessState::Unknown)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        // No /proc: ask the kernel whether the PID exists (EPERM: it does).
        Err(_) => match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
            Ok(()) | Err(nix::errno::Errno::EPERM) => Some(ProcessState::Unknown),
            Err(_) => None,
        },
    }
}

/// Parse `/proc/<pid>/stat`: the state is the first field after the command name in
/// parentheses (which may itself hold spaces and parentheses), the start time the
/// 22nd field.
fn parse_proc_stat(text: &str) -> Option<ProcessState> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if *fields.first()? == "Z" {
        return Some(ProcessState::Zombie);
    }
    // Field 3 (state) is fields[0], so field 22 is fields[19].
    Some(ProcessState::Running {
        start: fields.get(19)?.parse().ok()?,
    })
}

fn process_start(pid: i32) -> Option<u64> {
    match process_state(pid)? {
        ProcessState::Running { start } => Some(start),
        _ => None,
    }
}

/// Pick (and create) the cluster directory for `data_dir`; see the module docs.
/// Where a new private cluster for `data_dir` (an existing directory) goes, as
/// [`PrivateCluster::start`] would choose it, without changing anything: `<data dir>/postgres`,
/// or, as root when the server user cannot enter the data directory,
/// `/var/lib/faqd/<hash of its canonical path>`.
pub fn new_cluster_dir(data_dir: &Path) -> Result<PathBuf, ClusterError> {
    let data_dir = data_dir
        .canonicalize()
        .map_err(io_err("resolve data directory", data_dir))?;
    let user = ServerUser::resolve()?;
    if !user.switch || user.can_enter(&data_dir, false)? {
        return Ok(data_dir.join(CLUSTER_SUBDIR));
    }
    Ok(fallback_cluster_dir(Path::new(FALLBACK_ROOT), &data_dir))
}

fn choose_cluster_dir(data_dir: &Path, user: &ServerUser) -> Result<PathBuf, ClusterError> {
    let local = data_dir.join(CLUSTER_SUBDIR);
    if !user.switch {
        ensure_owned_dir(&local, user, 0o700)?;
        return Ok(local);
    }

    // Running as root. An existing cluster stays where it is.
    if lexists(&local.join(PGDATA_SUBDIR))? {
        ensure_owned_dir(&local, user, 0o700)?;
        if !user.can_enter(&local, false)? {
            return Err(ClusterError::Unreachable {
                path: local,
                user: user.name.clone(),
                hint: format!(
                    "the cluster was created there, but a directory above it has since been \
                     closed to that user. Give it search permission on each directory above \
                     (e.g. `setfacl -m u:{}:x DIR`), or move the data directory somewhere it \
                     can reach",
                    user.name
                ),
            });
        }
        return Ok(local);
    }
    if let Some(recorded) = read_location_file(data_dir)?
        && lexists(&recorded.join(PGDATA_SUBDIR))?
    {
        ensure_owned_dir(&recorded, user, 0o700)?;
        tracing::info!(
            "the private PostgreSQL cluster for {} is in {} (recorded in {})",
            data_dir.display(),
            recorded.display(),
            data_dir.join(LOCATION_FILE).display()
        );
        return Ok(recorded);
    }

    // A new cluster: beside the data if the server user can get there.
    if user.can_enter(data_dir, false)? {
        ensure_owned_dir(&local, user, 0o700)?;
        return Ok(local);
    }
    let fallback = fallback_cluster_dir(Path::new(FALLBACK_ROOT), data_dir);
    ensure_fallback_root(Path::new(FALLBACK_ROOT))?;
    ensure_owned_dir(&fallback, user, 0o700)?;
    if !user.can_enter(&fallback, true)? {
        return Err(ClusterError::Unreachable {
            path: fallback,
            user: user.name.clone(),
            hint: format!(
                "faqd put the cluster there because that user cannot enter {} either. Check \
                 the permissions of {FALLBACK_ROOT} and the directories above it, or set \
                 DATABASE_URL",
                data_dir.display()
            ),
        });
    }
    write_file(
        &fallback.join(ORIGIN_FILE),
        &format!("{}\n", data_dir.display()),
    )?;
    write_file(
        &data_dir.join(LOCATION_FILE),
        &location_file_text(&fallback, data_dir, &user.name),
    )?;
    tracing::info!(
        "the `{}` user cannot enter {}, so its private PostgreSQL cluster goes in {} \
         (recorded in {})",
        user.name,
        data_dir.display(),
        fallback.display(),
        data_dir.join(LOCATION_FILE).display()
    );
    Ok(fallback)
}

/// `<root>/<hash of the data directory>`: stable for a data directory, distinct
/// between them.
fn fallback_cluster_dir(root: &Path, data_dir: &Path) -> PathBuf {
    root.join(path_hash(data_dir))
}

/// Create `/var/lib/faqd` (root's, 0711: others may enter, not list it). An
/// existing one is left as the administrator made it.
fn ensure_fallback_root(root: &Path) -> Result<(), ClusterError> {
    if lexists(root)? {
        return open_dir_nofollow(root).map(drop);
    }
    DirBuilder::new()
        .recursive(true)
        .mode(0o711)
        .create(root)
        .map_err(io_err("create directory", root))?;
    // The mode given to mkdir is masked by the umask; set it for real.
    open_dir_nofollow(root)?
        .set_permissions(fs::Permissions::from_mode(0o711))
        .map_err(io_err("set permissions of", root))
}

/// Make sure `dir` is a directory owned by `user`, creating it with `mode` if needed.
///
/// An existing empty directory of someone else is taken over when we are root (e.g.
/// made by hand); a non-empty one is an error, as its files would be unusable.
fn ensure_owned_dir(dir: &Path, user: &ServerUser, mode: u32) -> Result<(), ClusterError> {
    match DirBuilder::new().mode(mode).create(dir) {
        Ok(()) => {
            // By descriptor, opened without following links: what we change is the
            // directory we just made, even if someone swapped the name meanwhile.
            let handle = open_dir_nofollow(dir)?;
            handle
                .set_permissions(fs::Permissions::from_mode(mode))
                .map_err(io_err("set permissions of", dir))?;
            return user.chown(&handle, dir);
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_err("create directory", dir)(e)),
    }
    let handle = open_dir_nofollow(dir)?;
    let meta = handle.metadata().map_err(io_err("inspect", dir))?;
    if meta.uid() == user.uid {
        return Ok(());
    }
    let empty = fs::read_dir(dir)
        .map_err(io_err("list", dir))?
        .next()
        .is_none();
    if user.switch && empty {
        return user.chown(&handle, dir);
    }
    Err(ClusterError::WrongOwner {
        path: dir.to_path_buf(),
        owner: meta.uid(),
        user: user.name.clone(),
        expected: user.uid,
    })
}

/// Replace `path` with a file holding `text`, atomically and without following a
/// link: the text goes to a new file (`O_EXCL`, so nothing planted is reused) that is
/// then renamed over `path`. A symbolic link at `path` is refused.
fn write_file(path: &Path, text: &str) -> Result<(), ClusterError> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(ClusterError::Symlink {
            path: path.to_path_buf(),
        });
    }
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let temp = path.with_file_name(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        NEXT_LEASE.fetch_add(1, Ordering::Relaxed)
    ));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(io_err("write", path)(e));
    }
    Ok(())
}

/// Read a file without following a symbolic link at its name.
fn read_nofollow(path: &Path) -> io::Result<String> {
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)?;
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    Ok(text)
}

/// Open a directory without following a symbolic link at its name (`O_NOFOLLOW |
/// O_DIRECTORY`), to change it by descriptor.
fn open_dir_nofollow(dir: &Path) -> Result<File, ClusterError> {
    OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_DIRECTORY)
        .open(dir)
        .map_err(|e| {
            // With O_DIRECTORY, Linux reports a symbolic link as ENOTDIR, not ELOOP.
            if fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
                ClusterError::Symlink {
                    path: dir.to_path_buf(),
                }
            } else if e.raw_os_error() == Some(nix::libc::ENOTDIR) {
                ClusterError::Io {
                    action: "use as a directory",
                    path: dir.to_path_buf(),
                    source: io::Error::other("it exists and is not a directory"),
                }
            } else {
                io_err("open directory", dir)(e)
            }
        })
}

/// Whether something is at `path`, without following a link there; a link is an
/// error.
fn lexists(path: &Path) -> Result<bool, ClusterError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(ClusterError::Symlink {
            path: path.to_path_buf(),
        }),
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_err("inspect", path)(e)),
    }
}

/// A file root is about to write in a directory the server user owns must be a plain
/// file of that user with one name (not a hard link to someone else's file).
fn check_plain_file(file: &File, path: &Path, owner: u32) -> Result<(), ClusterError> {
    let meta = file.metadata().map_err(io_err("inspect", path))?;
    let reason = if !meta.is_file() {
        "it is not a regular file".to_owned()
    } else if meta.uid() != owner {
        format!("it belongs to uid {}, not uid {owner}", meta.uid())
    } else if meta.nlink() != 1 {
        format!("it has {} hard links", meta.nlink())
    } else {
        return Ok(());
    };
    Err(ClusterError::UnsafeFile {
        path: path.to_path_buf(),
        reason,
    })
}

/// As root, the data directory must be root's and closed to others' writes: whoever
/// can write in it could plant links or files that root would then follow or trust.
fn check_data_dir(data_dir: &Path) -> Result<(), ClusterError> {
    if !Uid::effective().is_root() {
        return Ok(());
    }
    let meta = fs::symlink_metadata(data_dir).map_err(io_err("inspect", data_dir))?;
    let reason = if meta.uid() != 0 {
        format!("it belongs to uid {}, not to root", meta.uid())
    } else if meta.mode() & 0o002 != 0 || (meta.mode() & 0o020 != 0 && meta.gid() != 0) {
        format!(
            "its mode is {:o}: users other than root may write in it",
            meta.mode() & 0o7777
        )
    } else {
        return check_ancestors(data_dir);
    };
    Err(ClusterError::UntrustedDataDir {
        path: data_dir.to_path_buf(),
        reason,
    })
}

/// As root, every folder above the data directory must be closed to others' renames too:
/// whoever can write in a parent (without the sticky bit, which lets only an entry's owner
/// rename it) could swap the data directory for another between two of root's steps.
fn check_ancestors(data_dir: &Path) -> Result<(), ClusterError> {
    let real = fs::canonicalize(data_dir).map_err(io_err("inspect", data_dir))?;
    for folder in real.ancestors().skip(1) {
        let meta = fs::metadata(folder).map_err(io_err("inspect", folder))?;
        let sticky = meta.mode() & 0o1000 != 0;
        let reason = if meta.uid() != 0 {
            Some(format!(
                "the folder {} above it belongs to uid {}, not to root",
                folder.display(),
                meta.uid()
            ))
        } else if !sticky
            && (meta.mode() & 0o002 != 0 || (meta.mode() & 0o020 != 0 && meta.gid() != 0))
        {
            Some(format!(
                "the folder {} above it has mode {:o}: users other than root may rename what it holds",
                folder.display(),
                meta.mode() & 0o7777
            ))
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(ClusterError::UntrustedDataDir {
                path: data_dir.to_path_buf(),
                reason,
            });
        }
    }
    Ok(())
}

fn location_file_text(cluster_dir: &Path, data_dir: &Path, user: &str) -> String {
    format!(
        "{}\n\
         # faqd keeps the private PostgreSQL cluster of this data directory in the\n\
         # directory above, because the `{user}` user (which runs the server, as\n\
         # PostgreSQL refuses to run as root) cannot enter {}.\n\
         # Deleting this data directory does not delete that one.\n",
        cluster_dir.display(),
        data_dir.display()
    )
}

/// The cluster directory recorded in `<data dir>/postgres-location`, if any.
fn read_location_file(data_dir: &Path) -> Result<Option<PathBuf>, ClusterError> {
    let path = data_dir.join(LOCATION_FILE);
    match read_nofollow(&path) {
        Ok(text) => Ok(parse_location_file(&text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("read", &path)(e)),
    }
}

fn parse_location_file(text: &str) -> Option<PathBuf> {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

/// The socket directory for a cluster: `<cluster>/sock` when the socket path is
/// short and needs no quoting, else `/tmp/faqd-<hash of the cluster directory>`.
fn choose_socket_dir(cluster_dir: &Path, port: u16) -> PathBuf {
    let local = cluster_dir.join(SOCKET_SUBDIR);
    let socket_len = local.as_os_str().len() + format!("/.s.PGSQL.{port}").len();
    if socket_len < MAX_SOCKET_PATH && is_plain_path(&local) {
        local
    } else {
        PathBuf::from(format!("/tmp/faqd-{}", path_hash(cluster_dir)))
    }
}

/// Characters that pass through `/bin/sh` (pg_ctl -o) and PostgreSQL's
/// comma-separated `unix_socket_directories` without quoting.
fn is_plain_path(path: &Path) -> bool {
    path.as_os_str()
        .as_bytes()
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"/._+-".contains(b))
}

/// Whether pg_ctl's double-quoting (`-D "…"`, `-l "…"` inside `sh -c`) keeps `path`
/// intact.
fn is_shell_safe(path: &Path) -> bool {
    !path
        .as_os_str()
        .as_bytes()
        .iter()
        .any(|b| b"\"`$\\\n".contains(b))
}

/// 12 hex digits of SHA-256 of the path's bytes: short enough for socket paths,
/// stable across Rust versions (unlike `DefaultHasher`).
fn path_hash(path: &Path) -> String {
    let digest = Sha256::digest(path.as_os_str().as_bytes());
    digest[..6]
        .iter()
        .fold(String::with_capacity(12), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// What `postmaster.pid` says about a running server.
#[derive(Debug, PartialEq)]
struct PidFile {
    port: u16,
    /// First socket directory, if the server has one.
    socket_dir: Option<PathBuf>,
    /// Whether it accepts connections (not starting, recovering or stopping).
    ready: bool,
}

/// Parse `postmaster.pid`: line 4 is the port, 5 the first socket directory, 8 the
/// status (PostgreSQL 10 and later; assumed ready when absent).
fn parse_postmaster_pid(text: &str) -> Option<PidFile> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let port = lines.get(3)?.parse().ok()?;
    let socket_dir = lines
        .get(4)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from);
    let ready = lines.get(7).is_none_or(|status| *status == "ready");
    Some(PidFile {
        port,
        socket_dir,
        ready,
    })
}

/// Remove a leftover partial initdb directory (from a crash; we hold the lock, so
/// nobody is writing it).
fn remove_partial(partial: &Path) -> Result<(), ClusterError> {
    match fs::remove_dir_all(partial) {
        Ok(()) => {
            tracing::info!(
                "removed an incomplete cluster left in {}",
                partial.display()
            );
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err("remove incomplete cluster", partial)(e)),
    }
}

/// The major version recorded in `<pgdata>/PG_VERSION`, or `None` when there is no
/// cluster yet.
fn read_pg_version(pgdata: &Path) -> Result<Option<String>, ClusterError> {
    let path = pgdata.join("PG_VERSION");
    match read_nofollow(&path) {
        Ok(text) => Ok(Some(text.trim().to_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("read", &path)(e)),
    }
}

/// A directory of server programs and their major version.
#[derive(Debug)]
struct BinDir {
    path: PathBuf,
    version: String,
}

/// Where the server programs are; see the module docs for the order.
fn find_bindir() -> Result<BinDir, ClusterError> {
    if let Some(dir) = std::env::var_os("FAQD_PG_BINDIR").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(dir);
        if !has_server_programs(&path) {
            return Err(ClusterError::BadBinDir { path });
        }
        return bindir_with_version(path);
    }
    let pg_config = Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let path_var = std::env::var_os("PATH");
    let candidates = bindir_candidates(pg_config, path_var.as_deref(), &versioned_roots());
    match candidates.iter().find(|dir| has_server_programs(dir)) {
        Some(dir) => bindir_with_version(dir.clone()),
        None => Err(ClusterError::NoServer {
            searched: describe_search(&candidates),
        }),
    }
}

/// Roots scanned for versioned installations: `(parent, name prefix, suffix)`.
fn versioned_roots() -> [(PathBuf, &'static str, &'static str); 2] {
    [
        (PathBuf::from("/usr/lib/postgresql"), "", "bin"),
        (PathBuf::from("/usr"), "pgsql-", "bin"),
    ]
}

/// Candidate bin directories in order of preference (not yet checked).
fn bindir_candidates(
    pg_config_bindir: Option<PathBuf>,
    path_var: Option<&OsStr>,
    versioned: &[(PathBuf, &str, &str)],
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    out.extend(pg_config_bindir.filter(|p| p.is_absolute()));
    if let Some(path_var) = path_var {
        for dir in std::env::split_paths(path_var) {
            let initdb = dir.join("initdb");
            if initdb.is_file() {
                // Resolve symlinks: pg_ctl lives beside the real initdb.
                if let Some(real) = initdb
                    .canonicalize()
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                {
                    out.push(real);
                }
                out.push(dir);
            }
        }
    }
    for (parent, prefix, suffix) in versioned {
        out.extend(versioned_bindirs(parent, prefix, suffix));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

/// `<parent>/<prefix><version>/<suffix>` for every version present, highest first.
fn versioned_bindirs(parent: &Path, prefix: &str, suffix: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut found: Vec<(Vec<u32>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let version = name.to_str()?.strip_prefix(prefix)?;
            let key = version
                .split('.')
                .map(str::parse)
                .collect::<Result<Vec<u32>, _>>()
                .ok()?;
            Some((key, entry.path().join(suffix)))
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found.into_iter().map(|(_, path)| path).collect()
}

fn has_server_programs(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"].iter().all(|name| {
        fs::metadata(dir.join(name)).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
    })
}

fn describe_search(candidates: &[PathBuf]) -> String {
    let mut places = vec![
        "$FAQD_PG_BINDIR (unset)".to_owned(),
        "pg_config --bindir".to_owned(),
        "initdb on PATH".to_owned(),
        "/usr/lib/postgresql/*/bin".to_owned(),
        "/usr/pgsql-*/bin".to_owned(),
    ];
    if !candidates.is_empty() {
        let dirs: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
        places.push(format!("incomplete installations in {}", dirs.join(", ")));
    }
    places.join(", ")
}

/// Ask `pg_ctl --version` for the major version of `path`'s programs.
fn bindir_with_version(path: PathBuf) -> Result<BinDir, ClusterError> {
    let pg_ctl = path.join("pg_ctl");
    let command = command_line(&pg_ctl, &["--version".as_ref()]);
    // --version is answered before pg_ctl's refusal to run as root.
    let output = Command::new(&pg_ctl)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|source| ClusterError::Spawn {
            command: command.clone(),
            source,
        })?;
    let text = combined_output(&output);
    match parse_major_version(&text) {
        Some(version) if output.status.success() => Ok(BinDir { path, version }),
        _ => Err(ClusterError::UnknownVersion {
            command,
            output: text,
        }),
    }
}

/// When the cluster's major version differs from the programs found, prefer the
/// Debian-style installation of the cluster's version (unless FAQD_PG_BINDIR chose).
fn bindir_for_version(found: BinDir, cluster: &str, pgdata: &Path) -> Result<BinDir, ClusterError> {
    let explicit = std::env::var_os("FAQD_PG_BINDIR").is_some_and(|v| !v.is_empty());
    let candidate = Path::new("/usr/lib/postgresql").join(cluster).join("bin");
    if !explicit && has_server_programs(&candidate) {
        let other = bindir_with_version(candidate)?;
        if other.version == cluster {
            tracing::info!(
                "the cluster in {} was created by PostgreSQL {cluster}; using {} rather \
                 than PostgreSQL {} in {}",
                pgdata.display(),
                other.path.display(),
                found.version,
                found.path.display()
            );
            return Ok(other);
        }
    }
    Err(ClusterError::VersionMismatch {
        pgdata: pgdata.to_path_buf(),
        cluster: cluster.to_owned(),
        server: found.version,
        bindir: found.path,
    })
}

/// The major version in `pg_ctl --version` output, e.g. "pg_ctl (PostgreSQL) 15.14
/// (Debian 15.14-0+deb12u1)" → "15"; "9.6.24" → "9.6" (before 10 the major version
/// had two parts, as PG_VERSION shows); "17beta1" → "17".
fn parse_major_version(text: &str) -> Option<String> {
    let rest = text.split_once("(PostgreSQL)")?.1.trim_start();
    let version = rest.split_whitespace().next()?;
    let mut parts = version.split('.');
    let leading_digits = |s: &str| -> Option<u32> {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let major = leading_digits(parts.next()?)?;
    if major >= 10 {
        Some(major.to_string())
    } else {
        let minor = leading_digits(parts.next()?)?;
        Some(format!("{major}.{minor}"))
    }
}

/// A command that ran, and what it printed.
#[derive(Debug)]
struct Ran {
    /// Its command line, for messages.
    command: String,
    output: Output,
}

impl Ran {
    /// Fail with the command's output unless it exited 0.
    fn check(self) -> Result<Output, ClusterError> {
        if self.output.status.success() {
            Ok(self.output)
        } else {
            Err(ClusterError::CommandFailed {
                status: self.output.status,
                output: combined_output(&self.output),
                command: self.command,
            })
        }
    }
}

/// stdout and stderr, trimmed, limited to their last 4000 bytes.
fn combined_output(output: &Output) -> String {
    let mut text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stderr = stderr.trim();
    if !stderr.is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(stderr);
    }
    last_bytes(&text, 4000).to_owned()
}

/// The end of `text`, at most `max` bytes, cut at a character boundary.
fn last_bytes(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// The last `lines` lines of a (possibly large) log file.
fn tail(path: &Path, lines: usize) -> io::Result<String> {
    const WINDOW: u64 = 16 * 1024;
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)?;
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(WINDOW)))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let all: Vec<&str> = text.lines().collect();
    Ok(all[all.len().saturating_sub(lines)..].join("\n"))
}

/// A command line for messages, e.g. `/usr/lib/postgresql/15/bin/pg_ctl status -D …`.
fn command_line(program: &Path, args: &[&OsStr]) -> String {
    std::iter::once(program.as_os_str())
        .chain(args.iter().copied())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!("faqd-unit-{}-{name}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// Fake server programs (empty executables) in `dir`.
    fn fake_bindir(dir: &Path, programs: &[&str]) {
        fs::create_dir_all(dir).unwrap();
        for name in programs {
            let path = dir.join(name);
            fs::write(&path, "").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    const ALL: &[&str] = &["initdb", "pg_ctl", "postgres"];

    fn first_complete(candidates: &[PathBuf]) -> Option<&PathBuf> {
        candidates.iter().find(|dir| has_server_programs(dir))
    }

    #[test]
    fn parses_major_versions() {
        let v = |s: &str| parse_major_version(s);
        assert_eq!(
            v("pg_ctl (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)\n").as_deref(),
            Some("15")
        );
        assert_eq!(v("pg_ctl (PostgreSQL) 17.0").as_deref(), Some("17"));
        assert_eq!(v("pg_ctl (PostgreSQL) 18beta1").as_deref(), Some("18"));
        assert_eq!(v("pg_ctl (PostgreSQL) 9.6.24").as_deref(), Some("9.6"));
        assert_eq!(v("something else"), None);
    }

    #[test]
    fn picks_highest_complete_versioned_install() {
        let s = Scratch::new("versioned");
        let lib = s.0.join("lib-postgresql");
        fake_bindir(&lib.join("9.6/bin"), ALL);
        fake_bindir(&lib.join("13/bin"), ALL);
        fake_bindir(&lib.join("15/bin"), ALL);
        // Only the client programs, as with a libpq-dev or client-only install.
        fake_bindir(&lib.join("16/bin"), &["pg_config", "psql"]);
        fs::create_dir_all(lib.join("common")).unwrap();

        let candidates = bindir_candidates(None, None, &[(lib.clone(), "", "bin")]);
        assert_eq!(
            candidates,
            ["16", "15", "13", "9.6"].map(|v| lib.join(v).join("bin"))
        );
        assert_eq!(first_complete(&candidates), Some(&lib.join("15/bin")));
    }

    #[test]
    fn finds_pgdg_layout() {
        let s = Scratch::new("pgdg");
        fake_bindir(&s.0.join("pgsql-14/bin"), ALL);
        fake_bindir(&s.0.join("pgsql-16/bin"), ALL);
        fs::create_dir_all(s.0.join("share")).unwrap();
        let candidates = bindir_candidates(None, None, &[(s.0.clone(), "pgsql-", "bin")]);
        assert_eq!(first_complete(&candidates), Some(&s.0.join("pgsql-16/bin")));
    }

    #[test]
    fn pg_config_wins_only_when_complete() {
        let s = Scratch::new("pgconfig");
        let lib = s.0.join("lib");
        fake_bindir(&lib.join("15/bin"), ALL);
        let versioned = [(lib.clone(), "", "bin")];

        let good = s.0.join("good");
        fake_bindir(&good, ALL);
        let candidates = bindir_candidates(Some(good.clone()), None, &versioned);
        assert_eq!(first_complete(&candidates), Some(&good));

        // Debian's /usr/bin/pg_config may name a libpq-dev directory without a server.
        let client_only = s.0.join("client");
        fake_bindir(&client_only, &["pg_config"]);
        let candidates = bindir_candidates(Some(client_only), None, &versioned);
        assert_eq!(first_complete(&candidates), Some(&lib.join("15/bin")));
    }

    #[test]
    fn initdb_on_path_is_resolved_through_symlinks() {
        let s = Scratch::new("path");
        let real = s.0.join("real/bin");
        fake_bindir(&real, ALL);
        let on_path = s.0.join("local-bin");
        fs::create_dir_all(&on_path).unwrap();
        std::os::unix::fs::symlink(real.join("initdb"), on_path.join("initdb")).unwrap();
        let elsewhere = s.0.join("empty");
        fs::create_dir_all(&elsewhere).unwrap();
        let path_var = std::env::join_paths([&elsewhere, &on_path]).unwrap();

        let candidates = bindir_candidates(None, Some(&path_var), &[]);
        let real = real.canonicalize().unwrap();
        assert_eq!(candidates, vec![real.clone(), on_path]);
        assert_eq!(first_complete(&candidates), Some(&real));
    }

    #[test]
    fn no_server_message_is_actionable() {
        let message = ClusterError::NoServer {
            searched: describe_search(&[]),
        }
        .to_string();
        assert!(message.contains("apt install postgresql"), "{message}");
        assert!(message.contains("DATABASE_URL"), "{message}");
        assert!(message.contains("FAQD_PG_BINDIR"), "{message}");
    }

    #[test]
    fn socket_dir_is_local_when_short_and_plain() {
        let cluster = Path::new("/srv/faqd/data/postgres");
        assert_eq!(
            choose_socket_dir(cluster, 5432),
            PathBuf::from("/srv/faqd/data/postgres/sock")
        );
    }

    #[test]
    fn socket_dir_moves_to_tmp_when_long_or_odd() {
        let long = PathBuf::from(format!("/home/someone/{}/postgres", "x".repeat(70)));
        let dir = choose_socket_dir(&long, 5432);
        assert!(dir.starts_with("/tmp"), "{}", dir.display());
        assert_eq!(
            dir,
            PathBuf::from(format!("/tmp/faqd-{}", path_hash(&long)))
        );
        assert!(dir.join(".s.PGSQL.5432").as_os_str().len() < MAX_SOCKET_PATH);

        // Right at the limit: 99 bytes stays, 100 moves.
        let at = |len: usize| {
            let tail = "/sock/.s.PGSQL.5432".len();
            PathBuf::from(format!("/{}", "a".repeat(len - tail - 1)))
        };
        assert!(choose_socket_dir(&at(99), 5432).starts_with(at(99)));
        assert!(choose_socket_dir(&at(100), 5432).starts_with("/tmp"));

        // Characters pg_ctl's shell or unix_socket_directories would split on.
        for odd in [
            "/srv/my data/postgres",
            "/srv/a,b/postgres",
            "/srv/$x/postgres",
        ] {
            assert!(
                choose_socket_dir(Path::new(odd), 5432).starts_with("/tmp"),
                "{odd}"
            );
        }
    }

    #[test]
    fn fallback_dir_is_stable_and_distinct() {
        let root = Path::new(FALLBACK_ROOT);
        let a = fallback_cluster_dir(root, Path::new("/root/work/faqd/data"));
        assert_eq!(
            a,
            fallback_cluster_dir(root, Path::new("/root/work/faqd/data"))
        );
        assert_ne!(
            a,
            fallback_cluster_dir(root, Path::new("/root/work/other/data"))
        );
        let name = a.file_name().unwrap().to_str().unwrap();
        assert_eq!(name.len(), 12);
        assert!(name.bytes().all(|b| b.is_ascii_hexdigit()));
        // Pinned: a different hash would orphan existing clusters.
        assert_eq!(
            path_hash(Path::new("/root/data")),
            path_hash(Path::new("/root/data"))
        );
        assert_eq!(
            path_hash(Path::new("")),
            "e3b0c44298fc",
            "SHA-256 of nothing starts e3b0c442 98fc"
        );
    }

    #[test]
    fn location_file_round_trips() {
        let cluster = Path::new("/var/lib/faqd/0123456789ab");
        let text = location_file_text(cluster, Path::new("/root/faqd/data"), "postgres");
        assert_eq!(parse_location_file(&text).as_deref(), Some(cluster));
        assert_eq!(parse_location_file("# only comments\n\n"), None);
        assert_eq!(parse_location_file("relative/path\n"), None);
    }

    #[test]
    fn update_users_refuses_a_planted_link() {
        let s = Scratch::new("users-link");
        let victim = s.0.join("victim");
        fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, s.0.join(USERS_FILE)).unwrap();
        assert!(matches!(
            update_users(&s.0, |users| users.push(Lease::mine())),
            Err(ClusterError::Symlink { .. })
        ));
        assert!(matches!(
            write_file(&s.0.join(USERS_FILE), "x"),
            Err(ClusterError::Symlink { .. })
        ));
        assert!(matches!(
            read_location_file(&{
                std::os::unix::fs::symlink(&victim, s.0.join(LOCATION_FILE)).unwrap();
                s.0.clone()
            }),
            Err(ClusterError::Symlink { .. })
        ));
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        let dir_link = s.0.join("dir-link");
        std::os::unix::fs::symlink(&s.0, &dir_link).unwrap();
        assert!(matches!(
            open_dir_nofollow(&dir_link),
            Err(ClusterError::Symlink { .. })
        ));
    }

    #[test]
    fn users_file_keeps_live_processes_only() {
        let s = Scratch::new("users");
        let me = Lease::mine();
        let also_me = Lease::mine();
        assert_ne!(me, also_me);
        let gone = Lease {
            pid: i32::MAX - 1,
            start: 1,
            id: 1,
        };
        let recycled = Lease {
            start: me.start + 1,
            ..me.clone()
        };
        let users = update_users(&s.0, |users| {
            users.extend([me.clone(), also_me.clone(), gone.clone(), recycled.clone()]);
        })
        .unwrap();
        assert_eq!(users.len(), 4);
        // Read back: the dead PID and the recycled one are dropped.
        let users = update_users(&s.0, |_| {}).unwrap();
        assert_eq!(users, vec![me.clone(), also_me.clone()]);
        let users = update_users(&s.0, |users| users.retain(|u| *u != me)).unwrap();
        assert_eq!(users, vec![also_me]);
    }

    #[test]
    fn parses_proc_stat() {
        let text = "123 (post gres) (x)) S 1 123 123 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 98765 1000 10";
        assert_eq!(
            parse_proc_stat(text),
            Some(ProcessState::Running { start: 98765 })
        );
        assert_eq!(
            parse_proc_stat("9 (postgres) Z 1 9 9"),
            Some(ProcessState::Zombie)
        );
        assert_eq!(parse_proc_stat("garbage"), None);
    }

    #[test]
    fn shell_unsafe_paths_are_refused() {
        assert!(is_shell_safe(Path::new("/root/my data/it's-fine")));
        for bad in ["/a\"b", "/a$b", "/a`b", "/a\\b", "/a\nb"] {
            assert!(!is_shell_safe(Path::new(bad)), "{bad:?}");
        }
    }

    #[test]
    fn reads_port_and_socket_from_postmaster_pid() {
        let text = "12345\n/srv/data/postgres/data\n1700000000\n5433\n/tmp/faqd-abc\n\n  1234567         0\nready   \n";
        assert_eq!(
            parse_postmaster_pid(text),
            Some(PidFile {
                port: 5433,
                socket_dir: Some(PathBuf::from("/tmp/faqd-abc")),
                ready: true,
            })
        );
        let starting = text.replace("ready   ", "starting");
        assert!(!parse_postmaster_pid(&starting).unwrap().ready);
        assert_eq!(
            parse_postmaster_pid("1\n/d\n1\n5432\n\n"),
            Some(PidFile {
                port: 5432,
                socket_dir: None,
                ready: true,
            })
        );
        assert_eq!(parse_postmaster_pid("1\n/d\n"), None);
    }

    #[test]
    fn tails_logs_and_output() {
        let s = Scratch::new("tail");
        let log = s.0.join("postgres.log");
        let text: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        fs::write(&log, text).unwrap();
        assert_eq!(tail(&log, 2).unwrap(), "line 99\nline 100");
        assert_eq!(last_bytes("héllo", 4), "llo");
        assert_eq!(last_bytes("abc", 10), "abc");
    }

    #[test]
    fn creates_private_dirs_for_the_current_user() {
        let s = Scratch::new("owned");
        let euid = Uid::effective().as_raw();
        let user = ServerUser {
            name: "me".into(),
            uid: euid,
            gid: nix::unistd::Gid::effective().as_raw(),
            switch: false,
        };
        let dir = s.0.join("postgres");
        ensure_owned_dir(&dir, &user, 0o700).unwrap();
        let meta = fs::metadata(&dir).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o700);
        assert_eq!(meta.uid(), euid);
        // Idempotent.
        ensure_owned_dir(&dir, &user, 0o700).unwrap();
        // Someone else's directory is refused.
        let stranger = ServerUser {
            uid: euid + 1,
            ..user
        };
        assert!(matches!(
            ensure_owned_dir(&dir, &stranger, 0o700),
            Err(ClusterError::WrongOwner { .. })
        ));
    }

    /// Starts real servers: in the temporary directory and under `$HOME`, which for
    /// root is /root (mode 0700, out of the `postgres` user's reach, so the cluster
    /// goes to the fallback directory). Run with
    /// `FAQD_PG_NOSYNC=1 cargo test --lib cluster -- --ignored --nocapture`.
    #[test]
    #[ignore = "starts real PostgreSQL servers"]
    fn real_cluster_lifecycle() {
        let name = format!("faqd-pgtest-{}", std::process::id());
        let mut bases = vec![std::env::temp_dir()];
        bases.extend(std::env::var_os("HOME").map(PathBuf::from));
        for base in bases {
            lifecycle(&base.join(&name));
        }
    }

    /// Stops the owned server and removes every directory of a test cluster, even
    /// when the test fails half-way.
    struct TestCluster {
        data_dir: PathBuf,
        cluster_dir: Option<PathBuf>,
        owned: Option<PrivateCluster>,
    }

    impl Drop for TestCluster {
        fn drop(&mut self) {
            if let Some(cluster) = self.owned.take() {
                let _ = cluster.stop();
            }
            if let Some(dir) = &self.cluster_dir {
                let _ = fs::remove_dir_all(dir);
            }
            let _ = fs::remove_dir_all(&self.data_dir);
        }
    }

    fn lifecycle(data_dir: &Path) {
        let mut guard = TestCluster {
            data_dir: data_dir.to_path_buf(),
            cluster_dir: None,
            owned: None,
        };
        let _ = fs::remove_dir_all(data_dir);

        let began = Instant::now();
        let first = PrivateCluster::start(data_dir).unwrap();
        let cold = began.elapsed();
        guard.cluster_dir = Some(first.cluster_dir().to_path_buf());
        assert!(first.owned());
        eprintln!(
            "{}: cold start (initdb + start) {cold:.2?}",
            first.describe()
        );
        query(&first);
        check_socket_is_private(&first);
        guard.owned = Some(first);

        let began = Instant::now();
        let second = PrivateCluster::start(data_dir).unwrap();
        eprintln!("attach {:.2?}: {}", began.elapsed(), second.describe());
        assert!(!second.owned());
        query(&second);
        second.stop().unwrap(); // attached: must not stop the server
        query(&second);

        let began = Instant::now();
        guard.owned.take().unwrap().stop().unwrap();
        eprintln!("stop {:.2?}", began.elapsed());

        let began = Instant::now();
        let warm = PrivateCluster::start(data_dir).unwrap();
        eprintln!("warm start {:.2?}", began.elapsed());
        assert!(warm.owned());
        query(&warm);
        if warm.cluster_dir().starts_with(data_dir) {
            assert!(!data_dir.join(LOCATION_FILE).exists());
        } else {
            let recorded = read_location_file(data_dir).unwrap();
            assert_eq!(recorded.as_deref(), Some(warm.cluster_dir()));
        }
        guard.owned = Some(warm);
    }

    fn check_socket_is_private(cluster: &PrivateCluster) {
        let socket = cluster.socket_path();
        let mode = fs::metadata(&socket).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", socket.display());
        let dir_mode = fs::metadata(&cluster.socket_dir).unwrap().mode() & 0o777;
        assert_eq!(dir_mode, 0o700, "{}", cluster.socket_dir.display());
    }

    fn query(cluster: &PrivateCluster) {
        use sqlx::Connection as _;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let options = cluster.connect_options("postgres");
            let mut conn = sqlx::PgConnection::connect_with(&options).await.unwrap();
            let one: i32 = sqlx::query_scalar("SELECT 1")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert_eq!(one, 1);
            let (ctype, listen): (String, String) = sqlx::query_as(
                "SELECT datctype, current_setting('listen_addresses') \
                 FROM pg_database WHERE datname = current_database()",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            assert_eq!(ctype, "C.UTF-8");
            assert_eq!(listen, "");
            conn.close().await.unwrap();
        });
    }
}
