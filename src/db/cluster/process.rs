//! Running the server programs as the user who runs the server (ourselves, or, when faqd
//! runs as root, the dedicated `faqd` system user), collecting what they print, and asking
//! the system whether a process still lives.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use nix::unistd::{Uid, User};

use super::error::{ClusterError, io_err};

/// System user that runs the server when faqd runs as root: faqd's own, created on first
/// use, so that the cluster's files and its trusted socket belong to nobody else (the
/// `postgres` user of the system's PostgreSQL is not faqd's superuser).
pub(super) const SERVER_USER: &str = "faqd";

/// The user clusters were run as before [`SERVER_USER`]: a cluster it owns keeps running as
/// it (its files are its), with a warning saying how to hand it over.
pub(super) const LEGACY_SERVER_USER: &str = "postgres";

/// The user the server programs run as.
#[derive(Debug, Clone)]
pub(super) struct ServerUser {
    pub(super) name: String,
    pub(super) uid: u32,
    pub(super) gid: u32,
    /// Whether commands must switch to this user (faqd runs as root).
    pub(super) switch: bool,
}

impl ServerUser {
    /// The current user, or, when running as root, the dedicated [`SERVER_USER`] (created
    /// when missing). `existing_owner`: the owner of the cluster's directory when it exists
    /// already; as root, a cluster of the [`LEGACY_SERVER_USER`] stays with it.
    pub(super) fn resolve_for(existing_owner: Option<u32>) -> Result<ServerUser, ClusterError> {
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
        if let Some(owner) = existing_owner
            && let Some(legacy) = lookup(LEGACY_SERVER_USER)?
            && legacy.uid == owner
            && lookup(SERVER_USER)?.is_none_or(|dedicated| dedicated.uid != owner)
        {
            return Ok(legacy);
        }
        match lookup(SERVER_USER)? {
            Some(user) => Ok(user),
            None => create_server_user(),
        }
    }
    /// Whether this is the [`LEGACY_SERVER_USER`] (a cluster an older faqd created as root).
    pub(super) fn is_legacy(&self) -> bool {
        self.switch && self.name == LEGACY_SERVER_USER
    }

    /// Gives every file of this user under `dirs` (that exist) to `to`, as root, following
    /// no link: `chown -R --no-dereference --from=<this uid>`, so that only this user's own
    /// files change owner (a link or hard link it planted to anybody else's file changes
    /// nothing). The server must not run.
    pub(super) fn hand_over(&self, dirs: &[&Path], to: &ServerUser) -> Result<(), ClusterError> {
        let chown = ["/usr/bin/chown", "/bin/chown"]
            .into_iter()
            .map(Path::new)
            .find(|p| p.exists())
            .unwrap_or(Path::new("chown"));
        let from = format!("--from={}", self.uid);
        let owner = format!("{}:{}", to.uid, to.gid);
        let mut args: Vec<&OsStr> = vec![
            "-R".as_ref(),
            "--no-dereference".as_ref(),
            from.as_ref(),
            owner.as_ref(),
            "--".as_ref(),
        ];
        let existing: Vec<&Path> = dirs
            .iter()
            .copied()
            .filter(|d| fs::symlink_metadata(d).is_ok_and(|m| m.is_dir()))
            .collect();
        args.extend(existing.iter().map(|d| d.as_os_str()));
        let command = command_line(chown, &args);
        let output = Command::new(chown)
            .args(&args)
            .stdin(Stdio::null())
            .env("LC_MESSAGES", "C")
            .env_remove("LC_ALL")
            .current_dir("/")
            .output()
            .map_err(|source| ClusterError::Spawn {
                command: command.clone(),
                source,
            })?;
        Ran { command, output }.check().map(drop)
    }

    /// Run `program` as this user and collect its output; fails only when it cannot
    /// be run at all.
    pub(super) fn run(&self, program: &Path, args: &[&OsStr]) -> Result<Ran, ClusterError> {
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
    pub(super) fn chown(&self, file: &File, path: &Path) -> Result<(), ClusterError> {
        if self.switch {
            std::os::unix::fs::fchown(file, Some(self.uid), Some(self.gid))
                .map_err(io_err("change owner of", path))?;
        }
        Ok(())
    }

    /// Whether this user can enter (and, with `write`, create files in) `dir`,
    /// asked of the system by running `test` as the user: that follows the same path
    /// resolution, permission bits and ACLs that the server will meet.
    pub(super) fn can_enter(&self, dir: &Path, write: bool) -> Result<bool, ClusterError> {
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

/// The system user `name`, to run the server as (never one with uid 0: root by another
/// name).
fn lookup(name: &str) -> Result<Option<ServerUser>, ClusterError> {
    let user = User::from_name(name).map_err(|source| ClusterError::UserLookup {
        name: name.to_owned(),
        source,
    })?;
    match user {
        Some(user) if user.uid.is_root() => Err(ClusterError::NoServerUser {
            reason: format!("the `{name}` user has uid 0"),
        }),
        Some(user) => Ok(Some(ServerUser {
            name: user.name,
            uid: user.uid.as_raw(),
            gid: user.gid.as_raw(),
            switch: true,
        })),
        None => Ok(None),
    }
}

/// Creates the [`SERVER_USER`] system user (no home, no login, a group of its own) with the
/// system's `useradd`, or BusyBox's `adduser`. Another faqd may be creating it at the same
/// time (the user database is locked meanwhile): tried a few times, the user looked up after
/// each try.
fn create_server_user() -> Result<ServerUser, ClusterError> {
    let shell = ["/usr/sbin/nologin", "/sbin/nologin", "/bin/false"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("/bin/false");
    let useradd = ["/usr/sbin/useradd", "/sbin/useradd"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let adduser = ["/usr/sbin/adduser", "/sbin/adduser"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let comment = "faqd private PostgreSQL";
    let mut last = String::from("neither useradd nor adduser was found");
    for attempt in 0..10u64 {
        let mut cmd = match (useradd, adduser) {
            (Some(useradd), _) => {
                let mut cmd = Command::new(useradd);
                cmd.args(["--system", "--user-group", "--no-create-home"])
                    .args(["--home-dir", "/nonexistent", "--shell", shell])
                    .args(["--comment", comment, SERVER_USER]);
                cmd
            }
            // BusyBox (Alpine): a system user, no password, no home, its own group.
            (None, Some(adduser)) => {
                let mut cmd = Command::new(adduser);
                cmd.args(["-S", "-D", "-H", "-h", "/nonexistent", "-s", shell])
                    .args(["-g", comment, SERVER_USER]);
                cmd
            }
            (None, None) => break,
        };
        let output = cmd
            .stdin(Stdio::null())
            .env("LC_MESSAGES", "C")
            .env_remove("LC_ALL")
            .output();
        if let Some(user) = lookup(SERVER_USER)? {
            if matches!(&output, Ok(o) if o.status.success()) {
                tracing::info!(
                    "created the `{SERVER_USER}` system user (uid {}) to run faqd's private \
                     PostgreSQL server",
                    user.uid
                );
            }
            return Ok(user);
        }
        last = match output {
            Ok(output) => combined_output(&output),
            Err(err) => err.to_string(),
        };
        std::thread::sleep(Duration::from_millis(100 * (attempt + 1)));
    }
    Err(ClusterError::NoServerUser {
        reason: format!("faqd could not create it: {last}"),
    })
}

/// A command that ran, and what it printed.
#[derive(Debug)]
pub(super) struct Ran {
    /// Its command line, for messages.
    command: String,
    pub(super) output: Output,
}

impl Ran {
    /// Fail with the command's output unless it exited 0.
    pub(super) fn check(self) -> Result<Output, ClusterError> {
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
pub(super) fn combined_output(output: &Output) -> String {
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
pub(super) fn tail(path: &Path, lines: usize) -> io::Result<String> {
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
pub(super) fn command_line(program: &Path, args: &[&OsStr]) -> String {
    std::iter::once(program.as_os_str())
        .chain(args.iter().copied())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the system says about a process.
#[derive(Debug, PartialEq)]
pub(super) enum ProcessState {
    Running {
        start: u64,
    },
    /// Dead but not reaped by its parent.
    Zombie,
    /// Alive, details unknown (no `/proc`).
    Unknown,
}

/// The state of process `pid`, `None` when there is none.
pub(super) fn process_state(pid: i32) -> Option<ProcessState> {
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

pub(super) fn process_start(pid: i32) -> Option<u64> {
    match process_state(pid)? {
        ProcessState::Running { start } => Some(start),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::db::cluster::test_support::Scratch;

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
    fn tails_logs_and_output() {
        let s = Scratch::new("tail");
        let log = s.0.join("postgres.log");
        let text: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        fs::write(&log, text).unwrap();
        assert_eq!(tail(&log, 2).unwrap(), "line 99\nline 100");
        assert_eq!(last_bytes("héllo", 4), "llo");
        assert_eq!(last_bytes("abc", 10), "abc");
    }
}
