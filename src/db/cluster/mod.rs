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
//! * **Root**: `initdb`, `pg_ctl` and the server run as faqd's own `faqd` system user
//!   (created with `useradd --system` on first use: no home, no login shell), never as the
//!   `postgres` user of the system's PostgreSQL, which would otherwise be the private
//!   cluster's superuser too (the socket trusts whoever can reach it). A cluster an older
//!   faqd created as `postgres` is handed over (`chown -R --from=postgres`, following no
//!   link) at its next cold start; while its server still runs it keeps `postgres`, with a
//!   warning. The cluster directory is owned by the server user, who must be able to
//!   enter every directory down to it; a data directory under `/root` (mode 0700) is
//!   out of its reach. faqd never
//!   loosens the permissions of the user's directories. Instead it asks the system
//!   (by running `test -x` as that user, which honours ACLs): when it can
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
//! security boundary: only the server user and root can connect. As root, that user is
//! faqd's own (`faqd`), shared with no other service.
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
//!
//! # Files
//!
//! `binaries` finds the server programs, `location` the cluster and socket
//! directories, `lock` holds the cluster lock and the users file, `process` runs
//! programs as the server user, `files` does the file system steps that follow no
//! link, `server` runs `initdb` and `pg_ctl`, `supervise` restarts a server that
//! died; `error` says what went wrong.

mod binaries;
mod error;
mod files;
mod location;
mod lock;
mod process;
mod server;
pub(super) mod supervise;

use std::fs;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sqlx::postgres::{PgConnectOptions, PgSslMode};

use binaries::{bindir_for_version, find_bindir, read_pg_version};
use error::io_err;
use files::check_data_dir;
use location::{choose_cluster_dir, choose_socket_dir, existing_cluster_owner, is_shell_safe};
use lock::{Lease, lock_data_dir, update_users};
use process::ServerUser;

pub use error::ClusterError;
pub use location::new_cluster_dir;

/// Name of the database superuser `initdb` creates (`-U`).
const SUPERUSER: &str = "postgres";

/// Port assumed until `postmaster.pid` says otherwise; it only names the socket file.
const DEFAULT_PORT: u16 = 5432;

/// How long `pg_ctl` waits for the server to start or stop.
const PG_CTL_TIMEOUT_SECS: &str = "60";

/// PGDATA inside the cluster directory.
const PGDATA_SUBDIR: &str = "data";

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

        let user = ServerUser::resolve_for(existing_cluster_owner(&data_dir)?)?;
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
        let attached = cluster.attach_if_running()?;
        if !attached && cluster.user.is_legacy() {
            cluster.hand_over_to_own_user()?;
        }
        if attached && cluster.user.is_legacy() {
            tracing::warn!(
                "the private PostgreSQL cluster {} was created by an older faqd as the `postgres` \
                 system user and still runs as it (its server was running), so that user can \
                 connect to it as its superuser: stop every faqd using it; the next start hands \
                 it to faqd's own `faqd` system user",
                cluster.pgdata.display()
            );
        }
        if attached {
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

    /// Gives a stopped cluster of the legacy `postgres` user (its directory, and its socket
    /// directory under /tmp if it has one) to faqd's own system user, which then runs it.
    fn hand_over_to_own_user(&mut self) -> Result<(), ClusterError> {
        let own = ServerUser::resolve_for(None)?;
        // `postgres` may have been let in by an ACL of its own: the new user must get there.
        let above = self.cluster_dir.parent().unwrap_or(&self.cluster_dir);
        if !own.can_enter(above, false)? {
            tracing::warn!(
                "the `{}` system user cannot enter {}, so the private PostgreSQL cluster there \
                 stays with `{}`: give it search permission (e.g. `setfacl -m u:{}:x DIR` on \
                 each directory above)",
                own.name,
                above.display(),
                self.user.name,
                own.name
            );
            return Ok(());
        }
        self.user
            .hand_over(&[&self.socket_dir, &self.cluster_dir], &own)?;
        tracing::info!(
            "handed the private PostgreSQL cluster {} over from the `{}` system user to `{}`",
            self.cluster_dir.display(),
            self.user.name,
            own.name
        );
        self.user = own;
        Ok(())
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

    /// The server's Unix socket.
    pub fn socket_path(&self) -> PathBuf {
        self.socket_dir.join(format!(".s.PGSQL.{}", self.port))
    }
}

/// Scratch directories for the unit tests of this folder.
#[cfg(test)]
mod test_support {
    use std::fs;
    use std::path::PathBuf;

    /// A scratch directory removed on drop.
    pub(super) struct Scratch(pub(super) PathBuf);

    impl Scratch {
        pub(super) fn new(name: &str) -> Scratch {
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
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::MetadataExt;

    use super::*;
    use crate::db::cluster::location::{LOCATION_FILE, read_location_file};

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
