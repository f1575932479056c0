//! File system steps that follow no symbolic link: files opened with `O_NOFOLLOW`,
//! directories changed through descriptors, files replaced by renaming a new file
//! into place; directories owned by the server user; and, as root, a data directory
//! (and the folders above it) that nobody else controls.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write as _};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use nix::unistd::Uid;

use super::error::{ClusterError, io_err};
use super::process::ServerUser;

/// Numbers this process's leases (and temporary file names) apart.
pub(super) static NEXT_LEASE: AtomicU64 = AtomicU64::new(1);

/// Make sure `dir` is a directory owned by `user`, creating it with `mode` if needed.
///
/// An existing empty directory of someone else is taken over when we are root (e.g.
/// made by hand); a non-empty one is an error, as its files would be unusable.
pub(super) fn ensure_owned_dir(
    dir: &Path,
    user: &ServerUser,
    mode: u32,
) -> Result<(), ClusterError> {
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
pub(super) fn write_file(path: &Path, text: &str) -> Result<(), ClusterError> {
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
pub(super) fn read_nofollow(path: &Path) -> io::Result<String> {
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
pub(super) fn open_dir_nofollow(dir: &Path) -> Result<File, ClusterError> {
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
pub(super) fn lexists(path: &Path) -> Result<bool, ClusterError> {
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
pub(super) fn check_plain_file(file: &File, path: &Path, owner: u32) -> Result<(), ClusterError> {
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
pub(super) fn check_data_dir(data_dir: &Path) -> Result<(), ClusterError> {
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

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::db::cluster::test_support::Scratch;

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
}
