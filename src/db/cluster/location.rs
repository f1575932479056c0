//! Where a cluster lives: `<data dir>/postgres`, or, as root when the server (`faqd`)
//! user cannot enter the data directory (e.g. under `/root`), `/var/lib/faqd/<hash>`,
//! recorded in `<data dir>/postgres-location`; and where its socket goes (`sock/`, or
//! `/tmp/faqd-<hash>` when that path is too long or odd).

use std::fmt::Write as _;
use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::PGDATA_SUBDIR;
use super::error::{ClusterError, io_err};
use super::files::{ensure_owned_dir, lexists, open_dir_nofollow, read_nofollow, write_file};
use super::process::ServerUser;

/// File in the data directory naming a cluster kept elsewhere (root fallback).
pub(super) const LOCATION_FILE: &str = "postgres-location";

/// Cluster directory inside the data directory.
const CLUSTER_SUBDIR: &str = "postgres";

/// Where root's clusters go when the server user cannot reach the data directory.
const FALLBACK_ROOT: &str = "/var/lib/faqd";

/// File in a fallback cluster directory naming the data directory it belongs to.
const ORIGIN_FILE: &str = "data-dir";

/// Socket directory inside the cluster directory, when the path is short enough.
const SOCKET_SUBDIR: &str = "sock";

/// Socket paths at least this long go to `/tmp` instead (`sun_path` is 108 bytes).
const MAX_SOCKET_PATH: usize = 100;

/// Where a new private cluster for `data_dir` (an existing directory) goes, as
/// [`PrivateCluster::start`](super::PrivateCluster::start) would choose it, without
/// changing anything: `<data dir>/postgres`, or, as root when the server user cannot
/// enter the data directory, `/var/lib/faqd/<hash of its canonical path>`.
pub fn new_cluster_dir(data_dir: &Path) -> Result<PathBuf, ClusterError> {
    let data_dir = data_dir
        .canonicalize()
        .map_err(io_err("resolve data directory", data_dir))?;
    let user = ServerUser::resolve_for(existing_cluster_owner(&data_dir)?)?;
    if !user.switch || user.can_enter(&data_dir, false)? {
        return Ok(data_dir.join(CLUSTER_SUBDIR));
    }
    Ok(fallback_cluster_dir(Path::new(FALLBACK_ROOT), &data_dir))
}

/// The owner (uid) of the cluster `data_dir` already has, where [`choose_cluster_dir`] would
/// find it (`<data dir>/postgres`, or the recorded location), without changing anything;
/// `None` when it has none yet.
pub(super) fn existing_cluster_owner(data_dir: &Path) -> Result<Option<u32>, ClusterError> {
    use std::os::unix::fs::MetadataExt;
    let local = data_dir.join(CLUSTER_SUBDIR);
    let cluster = if lexists(&local.join(PGDATA_SUBDIR))? {
        Some(local)
    } else {
        match read_location_file(data_dir)? {
            Some(recorded) if lexists(&recorded.join(PGDATA_SUBDIR))? => Some(recorded),
            _ => None,
        }
    };
    let Some(cluster) = cluster else {
        return Ok(None);
    };
    let meta = fs::symlink_metadata(&cluster).map_err(io_err("inspect", &cluster))?;
    Ok(Some(meta.uid()))
}

/// Pick (and create) the cluster directory for `data_dir`; see the [`cluster`](super)
/// module docs.
pub(super) fn choose_cluster_dir(
    data_dir: &Path,
    user: &ServerUser,
) -> Result<PathBuf, ClusterError> {
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
pub(super) fn read_location_file(data_dir: &Path) -> Result<Option<PathBuf>, ClusterError> {
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
pub(super) fn choose_socket_dir(cluster_dir: &Path, port: u16) -> PathBuf {
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
pub(super) fn is_shell_safe(path: &Path) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn shell_unsafe_paths_are_refused() {
        assert!(is_shell_safe(Path::new("/root/my data/it's-fine")));
        for bad in ["/a\"b", "/a$b", "/a`b", "/a\\b", "/a\nb"] {
            assert!(!is_shell_safe(Path::new(bad)), "{bad:?}");
        }
    }
}
