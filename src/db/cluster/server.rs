//! The PostgreSQL server of a [`PrivateCluster`]: `initdb` (into a temporary
//! directory renamed into place), `pg_ctl start` and `status` (a zombie postmaster
//! counts as dead), the socket directory, and what `postmaster.pid` says.

use std::ffi::{OsStr, OsString};
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::error::{ClusterError, io_err};
use super::files::{check_plain_file, ensure_owned_dir, open_dir_nofollow, read_nofollow};
use super::process::{ProcessState, Ran, combined_output, process_state, tail};
use super::{PG_CTL_TIMEOUT_SECS, PrivateCluster, SUPERUSER};

/// How long to wait for a server someone else started to accept connections.
const ATTACH_TIMEOUT: Duration = Duration::from_secs(30);

/// Where `initdb` writes before the result is renamed to
/// [`PGDATA_SUBDIR`](super::PGDATA_SUBDIR).
const PGDATA_PARTIAL: &str = "data.initdb-partial";

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

impl PrivateCluster {
    pub(super) fn log_file(&self) -> PathBuf {
        self.cluster_dir.join(LOG_FILE)
    }

    /// Run `initdb` into a temporary directory and move the result into place.
    pub(super) fn initdb(&self) -> Result<(), ClusterError> {
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
    pub(super) fn is_running(&self) -> Result<bool, ClusterError> {
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
    pub(super) fn run_server(&self) -> Result<(), ClusterError> {
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
    pub(super) fn attach_if_running(&mut self) -> Result<bool, ClusterError> {
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
    pub(super) fn wait_until_accepting(&self) -> Result<Option<PidFile>, ClusterError> {
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
    pub(super) fn read_postmaster_pid(&mut self) -> Option<PidFile> {
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

    pub(super) fn pg_ctl(&self, args: &[&OsStr]) -> Result<Ran, ClusterError> {
        self.user.run(&self.bindir.join("pg_ctl"), args)
    }
}

/// What `postmaster.pid` says about a running server.
#[derive(Debug, PartialEq)]
pub(super) struct PidFile {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
