//! Which PostgreSQL server programs run the cluster: `$FAQD_PG_BINDIR`,
//! `pg_config --bindir`, `initdb` on `PATH`, then the versioned installations (see the
//! [`cluster`](super) module docs for the order), and the programs of an existing
//! cluster's own major version.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::error::{ClusterError, io_err};
use super::files::read_nofollow;
use super::process::{combined_output, command_line};

/// A directory of server programs and their major version.
#[derive(Debug)]
pub(super) struct BinDir {
    pub(super) path: PathBuf,
    pub(super) version: String,
}

/// Where the server programs are; see the [`cluster`](super) module docs for the order.
pub(super) fn find_bindir() -> Result<BinDir, ClusterError> {
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
pub(super) fn bindir_for_version(
    found: BinDir,
    cluster: &str,
    pgdata: &Path,
) -> Result<BinDir, ClusterError> {
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

/// The major version recorded in `<pgdata>/PG_VERSION`, or `None` when there is no
/// cluster yet.
pub(super) fn read_pg_version(pgdata: &Path) -> Result<Option<String>, ClusterError> {
    let path = pgdata.join("PG_VERSION");
    match read_nofollow(&path) {
        Ok(text) => Ok(Some(text.trim().to_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("read", &path)(e)),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::db::cluster::test_support::Scratch;

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
}
