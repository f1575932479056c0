//! Who prepares the cluster and who uses it: the lock in the data directory, held
//! while checking, creating, starting or stopping, and the users file (one lease per
//! handle) that tells the last faqd to leave that it must stop the server.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::Ordering;

use super::error::{ClusterError, io_err};
use super::files::{NEXT_LEASE, read_nofollow, write_file};
use super::process::{ProcessState, process_start, process_state};

/// Lock file in the data directory, held while checking, creating or starting.
const LOCK_FILE: &str = ".faqd-cluster.lock";

/// File in the data directory listing the faqd processes using the cluster (one
/// `pid start-time lease-id` line each); the last one to leave stops the server.
const USERS_FILE: &str = ".faqd-cluster.users";

/// Take the exclusive cluster lock of `data_dir`, waiting for other holders.
pub(super) fn lock_data_dir(data_dir: &Path) -> Result<File, ClusterError> {
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

/// One user of the cluster: a line of the users file.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Lease {
    pub(super) pid: i32,
    /// The process's start time (clock ticks after boot, `/proc/<pid>/stat` field
    /// 22), so that a recycled PID is not taken for the user; 0 when unknown.
    start: u64,
    /// Tells apart several handles in one process.
    id: u64,
}

impl Lease {
    /// A new lease for this process.
    pub(super) fn mine() -> Lease {
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
pub(super) fn update_users(
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

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::db::cluster::files::open_dir_nofollow;
    use crate::db::cluster::location::{LOCATION_FILE, read_location_file};
    use crate::db::cluster::test_support::Scratch;

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
}
