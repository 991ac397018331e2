//! The LSP handlers, the analysis loop and publishing.
//!
//! Handlers are thin: notifications update state synchronously (before any
//! `.await`, so that tower-lsp's interleaving cannot reorder them) and
//! schedule an analysis; requests wait for the analysis of the document
//! version they were sent for and map it to LSP.
//!
//! Each open document has at most one analysis task. The task analyses the
//! latest text, publishes the diagnostics if no edit arrived meanwhile, and
//! starts over while the document keeps changing: a burst of edits costs a
//! few analyses, not one per edit, and a diagnostic is never published for
//! a version older than the document's.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt};
use serde_json::Value;
use tower_lsp::jsonrpc::{Error, ErrorCode, Id, Request, Result};
use tower_lsp::lsp_types::notification::Notification;
use tower_lsp::lsp_types::*;
use tower_lsp::{Client, LanguageServer, LspService};

use crate::code_actions::{self, FIX_ALL_KIND};
use crate::completion::{self, LineContext};
use crate::config::{is_config_file, ConfigStore, Settings, SECTION};
use crate::documents::{Document, Documents};
use crate::encoding::PositionEncoding;
use crate::gitops_index::{is_indexed_file, DocumentFirst, GitopsIndex, OpenFirst};
use crate::gitops_layer;
use crate::hover::HoverFormat;
use crate::log::{LogLevel, Logger};
use crate::output::Output;
use crate::panic_guard::test_panic_marker;
use crate::snapshot::{self, DocAnalysis, DocKind, GitopsLayer, Job, PublishParams};
use crate::{hover, inlay_hints, symbols};
use gitops_ls_analysis::gitops::{is_kustomization_file_name, may_declare_deployer};

/// After analysing a text this large, the memory the analysis freed is given back.
const RELEASE_MEMORY_AFTER: usize = 1024 * 1024;

/// How long a request waits for the analysis of its document version.
const ANALYSIS_WAIT: Duration = Duration::from_secs(60);

/// The custom request that answers [`Backend::stats`].
pub const STATS_METHOD: &str = "gitops-ls/stats";

/// `GITOPS_LS_TIMING=1` logs the time of every analysis to stderr.
fn timing_enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("GITOPS_LS_TIMING").is_some())
}

/// What the client can do, read from `initialize`.
#[derive(Debug, Clone, Copy, Default)]
struct ClientFlags {
    encoding: PositionEncoding,
    versioned_edits: bool,
    resolve_edits: bool,
    pull_configuration: bool,
    watch_files_dynamically: bool,
    hover_format: HoverFormat,
}

pub struct Backend {
    inner: Arc<Inner>,
}

/// What [`Inner::gitops_layer`] needs besides the analysis.
enum LayerInput {
    Ready {
        roots: Vec<PathBuf>,
        path: PathBuf,
        source: OpenFirst,
    },
    /// The index is not built yet: it is built once this analysis is published.
    IndexNeeded(Vec<PathBuf>),
}

struct Inner {
    client: Client,
    /// stdout, for the messages not sent through tower-lsp (see [`crate::output`]).
    output: Output,
    logger: Logger,
    documents: Documents,
    config: Mutex<ConfigStore>,
    flags: OnceLock<ClientFlags>,
    /// Whether initializationOptions carried settings for us.
    init_settings: Mutex<Option<std::result::Result<bool, String>>>,
    /// Held while checking that an analysis is current and publishing it,
    /// and while clearing a closed document: publishes cannot overtake.
    publish_lock: tokio::sync::Mutex<()>,
    next_epoch: AtomicU64,
    /// Bumped whenever settings arrive: a pulled answer is dropped when
    /// newer settings were pushed while it was on its way.
    settings_generation: AtomicU64,
    /// Kustomizations, Argo CD / Flux overrides and charts of the workspace, for hovers
    /// and the GitOps layer of each analysis.
    gitops: GitopsIndex,
    /// A background build of the index is running.
    gitops_building: AtomicBool,
}

pub fn build_service(output: Output) -> (LspService<Backend>, tower_lsp::ClientSocket) {
    let builder = LspService::build(|client| Backend {
        inner: Arc::new(Inner {
            logger: Logger::new(output.clone()),
            output,
            client,
            documents: Documents::default(),
            config: Mutex::new(ConfigStore::default()),
            flags: OnceLock::new(),
            init_settings: Mutex::new(None),
            publish_lock: tokio::sync::Mutex::new(()),
            next_epoch: AtomicU64::new(1),
            settings_generation: AtomicU64::new(0),
            gitops: GitopsIndex::default(),
            gitops_building: AtomicBool::new(false),
        }),
    });
    let builder = builder.custom_method(STATS_METHOD, Backend::stats);
    let builder = if test_panic_marker().is_some() {
        builder.custom_method("gitops-ls/testPanic", Backend::test_panic)
    } else {
        builder
    };
    builder.finish()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Backend {
    pub fn client(&self) -> &Client {
        self.inner.client()
    }

    /// The requests answered through [`Output`] rather than tower-lsp, for
    /// [`crate::output::DirectAnswers`]: `textDocument/documentSymbol`.
    pub fn direct_answers(
        &self,
    ) -> impl FnMut(Request) -> std::result::Result<BoxFuture<'static, ()>, Request> + Send {
        let inner = self.inner.clone();
        move |incoming: Request| {
            if incoming.method() != <request::DocumentSymbolRequest as request::Request>::METHOD {
                return Err(incoming);
            }
            let (_, id, params) = incoming.into_parts();
            let Some(id) = id else {
                // A notification by that name: nothing to answer.
                return Ok(futures::future::ready(()).boxed());
            };
            Ok(inner.clone().answer_document_symbols(id, params).boxed())
        }
    }

    /// `gitops-ls/stats`: how much analysis work the server has done, so that a test (or a
    /// curious user) can check that requests reuse the analysis of the current version.
    async fn stats(&self) -> Result<Value> {
        let counters = &snapshot::COUNTERS;
        Ok(serde_json::json!({
            "analyses": counters.analyses.load(Ordering::Relaxed),
            "yamlDocumentsAnalysed": counters.yaml_documents.load(Ordering::Relaxed),
            "gitopsPasses": counters.gitops_passes.load(Ordering::Relaxed),
        }))
    }

    async fn test_panic(&self, _params: Value) -> Result<Value> {
        panic!("test panic requested");
    }
}

impl Inner {
    fn client(&self) -> &Client {
        &self.client
    }

    fn flags(&self) -> ClientFlags {
        self.flags.get().copied().unwrap_or_default()
    }

    /// Logs to the client without waiting (errors also to stderr).
    fn log(&self, level: LogLevel, message: String) {
        self.logger.log(level, message);
    }

    /// Starts the analysis task of a document unless one is running (it
    /// picks up the new revision when it finishes the current one).
    fn schedule(self: &Arc<Self>, uri: &Url, doc: &mut Document) {
        if doc.analyzing {
            return;
        }
        doc.analyzing = true;
        let inner = self.clone();
        let uri = uri.clone();
        let epoch = doc.epoch;
        tokio::spawn(async move { inner.analysis_loop(uri, epoch).await });
    }

    /// The other open documents' GitOps layers (and their hovers) read the unsaved text of an
    /// open kustomization: they are analysed again when it opens or changes.
    fn kustomization_text_changed(self: &Arc<Self>, uri: &Url) {
        let is_kustomization = uri
            .path_segments()
            .and_then(|mut segments| segments.next_back())
            .is_some_and(is_kustomization_file_name);
        if is_kustomization {
            self.schedule_all_but(Some(uri));
        }
    }

    /// Re-analyses every open document (the configuration changed).
    fn schedule_all(self: &Arc<Self>) {
        self.schedule_all_but(None);
    }

    /// Re-analyses every open document but `skipped` (already scheduled by its own edit).
    fn schedule_all_but(self: &Arc<Self>, skipped: Option<&Url>) {
        let mut docs = self.documents.lock();
        for (uri, doc) in docs.iter_mut() {
            if Some(uri) == skipped {
                continue;
            }
            doc.revision += 1;
            self.schedule(uri, doc);
        }
    }

    async fn analysis_loop(self: Arc<Self>, uri: Url, epoch: u64) {
        // Should this task panic, the document must not stay marked as
        // being analysed, or it would never be analysed again. (On a normal
        // return the flag is already cleared under the lock; clearing it
        // again here could clear the flag of a newer task.)
        struct Reset<'a>(&'a Inner, &'a Url, u64);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                if !std::thread::panicking() {
                    return;
                }
                let mut docs = self.0.documents.lock();
                if let Some(doc) = docs.get_mut(self.1).filter(|d| d.epoch == self.2) {
                    doc.analyzing = false;
                }
            }
        }
        let _reset = Reset(&self, &uri, epoch);
        loop {
            let (rope, version, revision, previous) = {
                let docs = self.documents.lock();
                let Some(doc) = docs.get(&uri).filter(|d| d.epoch == epoch) else {
                    return;
                };
                (
                    doc.rope.clone(),
                    doc.version,
                    doc.revision,
                    doc.latest.clone(),
                )
            };
            let encoding = self.flags().encoding;
            let path = uri.to_file_path().ok();
            let (config, reports) = {
                let mut store = lock(&self.config);
                let config = store.resolve(path.as_deref());
                (config, store.take_changed_reports())
            };
            self.publish_config_reports(reports).await;
            let kind = if path.as_deref().is_some_and(is_config_file) {
                DocKind::ConfigFile
            } else if config.is_excluded(path.as_deref()) {
                DocKind::Excluded
            } else {
                DocKind::Manifest
            };
            let job = Job {
                rope,
                version,
                revision,
                encoding,
                config: config.clone(),
                kind,
                previous,
                uri: Some(uri.clone()),
            };
            let started = std::time::Instant::now();
            let layer_input = self.gitops_layer_input(path.as_deref(), kind);
            let index_needed = match &layer_input {
                Some(LayerInput::IndexNeeded(roots)) => Some(roots.clone()),
                _ => None,
            };
            let layer_inner = self.clone();
            let layer_uri = uri.clone();
            let outcome = tokio::task::spawn_blocking(move || {
                catch_unwind(AssertUnwindSafe(|| {
                    let mut analysis = snapshot::run(job);
                    if let Some(input) = &layer_input {
                        analysis.gitops = layer_inner.gitops_layer(&layer_uri, &analysis, input);
                    }
                    if analysis.text.len() >= RELEASE_MEMORY_AFTER {
                        crate::release_freed_memory();
                    }
                    analysis
                }))
                .map_err(|panic| crate::panic_guard::panic_message(&panic))
            })
            .await;
            let analysis = match outcome {
                Ok(Ok(analysis)) => analysis,
                Ok(Err(message)) => self.failed_analysis(&uri, version, revision, config, message),
                Err(error) => {
                    self.failed_analysis(&uri, version, revision, config, error.to_string())
                }
            };
            let analysis = Arc::new(analysis);
            let analysed = started.elapsed();
            {
                let mut docs = self.documents.lock();
                let Some(doc) = docs.get_mut(&uri).filter(|d| d.epoch == epoch) else {
                    return;
                };
                doc.latest = Some(analysis.clone());
                doc.analyses.send_replace(Some(analysis.clone()));
            }
            {
                let _publishing = self.publish_lock.lock().await;
                // Current, and not a re-analysis that changed nothing the client sees
                // (the GitOps index was rebuilt, say, and this file takes no part).
                let (current, unchanged) = {
                    let mut docs = self.documents.lock();
                    match docs.get_mut(&uri) {
                        Some(doc) if doc.epoch == epoch && doc.revision == analysis.revision => {
                            let unchanged = doc
                                .published
                                .as_ref()
                                .is_some_and(|published| published.publishes_same(&analysis));
                            doc.published = Some(analysis.clone());
                            (true, unchanged)
                        }
                        _ => (false, false),
                    }
                };
                if current && !unchanged {
                    if self.logger.enabled(LogLevel::Debug) {
                        // Before the diagnostics it describes.
                        self.log(LogLevel::Debug, format!(
                            "{uri} v{version}: analysed {} YAML documents ({} reused) in {:.1} ms, {} diagnostics",
                            analysis.chunks.len(),
                            analysis.reused,
                            analysed.as_secs_f64() * 1000.0,
                            analysis.diagnostic_count(),
                        ));
                    }
                    self.publish(PublishParams {
                        uri: uri.clone(),
                        version: Some(analysis.version),
                        analysis: Some(analysis.clone()),
                        diagnostics: Vec::new(),
                    })
                    .await;
                }
                if timing_enabled() {
                    eprintln!(
                        "gitops-ls: {uri} v{version}: analysed in {:.2} ms ({} of {} YAML documents reused), published after {:.2} ms{}",
                        analysed.as_secs_f64() * 1000.0,
                        analysis.reused,
                        analysis.chunks.len(),
                        started.elapsed().as_secs_f64() * 1000.0,
                        match (current, unchanged) {
                            (false, _) => " (superseded, not published)",
                            (true, true) => " (nothing new, not published)",
                            (true, false) => "",
                        },
                    );
                }
            }
            // Built after the first diagnostics are out, not competing with them.
            if let Some(roots) = index_needed {
                self.build_gitops_index(roots);
            }
            let mut docs = self.documents.lock();
            match docs.get_mut(&uri).filter(|d| d.epoch == epoch) {
                Some(doc) if doc.revision != analysis.revision => continue,
                Some(doc) => {
                    doc.analyzing = false;
                    return;
                }
                None => return,
            }
        }
    }

    fn failed_analysis(
        &self,
        uri: &Url,
        version: i32,
        revision: u64,
        config: Arc<crate::config::ResolvedConfig>,
        message: String,
    ) -> DocAnalysis {
        self.log(
            LogLevel::Error,
            format!("the analysis of {uri} failed: {message}"),
        );
        snapshot::failed(version, revision, self.flags().encoding, config, &message)
    }

    /// Publishes the diagnostics of config files whose state changed (a
    /// file that is open is reported by its own analysis instead).
    async fn publish_config_reports(&self, paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        let encoding = self.flags().encoding;
        for path in paths {
            let Ok(uri) = Url::from_file_path(&path) else {
                continue;
            };
            if self.documents.lock().contains_key(&uri) {
                continue;
            }
            let diagnostics = lock(&self.config).file_diagnostics(&path, encoding);
            if !diagnostics.is_empty() {
                self.log(
                    LogLevel::Warn,
                    format!("{}: {}", path.display(), diagnostics[0].message),
                );
            }
            let _publishing = self.publish_lock.lock().await;
            self.publish(PublishParams {
                uri,
                version: None,
                analysis: None,
                diagnostics,
            })
            .await;
        }
    }

    /// Publishes diagnostics (callers hold `publish_lock`), serialized off the async runtime:
    /// for a large file that takes a while.
    async fn publish(&self, params: PublishParams) {
        let output = self.output.clone();
        let sent = tokio::task::spawn_blocking(move || {
            output.notify("textDocument/publishDiagnostics", &params);
        })
        .await;
        if sent.is_err() {
            self.log(LogLevel::Error, "publishing diagnostics failed".to_owned());
        }
    }

    /// Answers `textDocument/documentSymbol` through [`Output`]: the symbols of a large file
    /// are serialized from the chunks, not through a `serde_json::Value` of the whole list.
    async fn answer_document_symbols(self: Arc<Self>, id: Id, params: Option<Value>) {
        let params = params.map(serde_json::from_value::<DocumentSymbolParams>);
        let answer = match params {
            Some(Ok(params)) => self.current_analysis(&params.text_document.uri).await,
            Some(Err(error)) => Err(Error::invalid_params(error.to_string())),
            None => Err(Error::invalid_params("Missing params")),
        };
        let output = self.output.clone();
        let sent = tokio::task::spawn_blocking(move || match answer {
            Ok(Some(analysis)) => output.respond(&id, &symbols::DocumentSymbols(&analysis)),
            Ok(None) => output.respond(&id, &Value::Null),
            Err(error) => output.respond_error(&id, &error),
        })
        .await;
        if sent.is_err() {
            self.log(
                LogLevel::Error,
                "answering documentSymbol failed".to_owned(),
            );
        }
    }

    /// The analysis of the version the client has now, waiting for it when
    /// it is still running. None for a document that is not open.
    async fn current_analysis(&self, uri: &Url) -> Result<Option<Arc<DocAnalysis>>> {
        let (mut analyses, version, revision) = {
            let docs = self.documents.lock();
            let Some(doc) = docs.get(uri) else {
                self.log(
                    LogLevel::Warn,
                    format!("request for a document that is not open: {uri}"),
                );
                return Ok(None);
            };
            (doc.analyses.subscribe(), doc.version, doc.revision)
        };
        let wait = analyses.wait_for(|a| a.as_ref().is_some_and(|a| a.revision >= revision));
        let analysis = match tokio::time::timeout(ANALYSIS_WAIT, wait).await {
            Ok(Ok(analysis)) => analysis.clone(),
            // Closed meanwhile.
            Ok(Err(_)) => return Ok(None),
            Err(_) => {
                return Err(Error {
                    code: ErrorCode::ServerError(-32803),
                    message: "the analysis of the document did not finish in time".into(),
                    data: None,
                })
            }
        };
        let Some(analysis) = analysis else {
            return Ok(None);
        };
        if analysis.version != version {
            return Err(Error {
                code: ErrorCode::ContentModified,
                message: "the document changed".into(),
                data: None,
            });
        }
        Ok(Some(analysis))
    }

    fn apply_settings(self: &Arc<Self>, value: &Value) {
        self.settings_generation.fetch_add(1, Ordering::SeqCst);
        match Settings::from_value(value) {
            Ok(settings) => {
                if let Some(level) = settings.log_level {
                    self.logger.set_level(level);
                }
                let changed = lock(&self.config).set_settings(settings);
                if changed {
                    self.log(LogLevel::Info, "settings changed".to_owned());
                    self.schedule_all();
                }
            }
            Err(message) => {
                let text =
                    format!("invalid `{SECTION}` settings, keeping the previous ones: {message}");
                self.log(LogLevel::Error, text.clone());
                let client = self.client.clone();
                tokio::spawn(async move { client.show_message(MessageType::ERROR, text).await });
            }
        }
    }

    /// Asks the client for the `gitops-ls` section.
    async fn pull_settings(self: &Arc<Self>) {
        let items = vec![ConfigurationItem {
            scope_uri: None,
            section: Some(SECTION.to_owned()),
        }];
        let generation = self.settings_generation.load(Ordering::SeqCst);
        match self.client.configuration(items).await {
            Ok(_) if self.settings_generation.load(Ordering::SeqCst) != generation => {
                // Settings were pushed meanwhile: they are newer.
            }
            Ok(values) => {
                let section = values.into_iter().next().unwrap_or(Value::Null);
                let wrapped = serde_json::json!({ SECTION: section });
                self.apply_settings(&wrapped);
            }
            Err(error) => self.log(
                LogLevel::Warn,
                format!("workspace/configuration failed: {error}"),
            ),
        }
    }

    /// The texts of the open documents `wanted` by the GitOps index (copied: only the few
    /// it reads, never every open manifest).
    fn open_texts(&self, wanted: impl Fn(&Path) -> bool) -> OpenFirst {
        let docs = self.documents.lock();
        let open = docs
            .iter()
            .filter_map(|(uri, doc)| Some((uri.to_file_path().ok()?, doc)))
            .filter(|(path, _)| is_indexed_file(path) && wanted(path))
            .map(|(path, doc)| (path, doc.rope.to_string()))
            .collect();
        OpenFirst { open }
    }

    /// Re-reads changed YAML files into the GitOps index, off the async runtime, then
    /// re-analyses the open documents (their GitOps layer may have changed).
    fn gitops_files_changed(self: &Arc<Self>, paths: Vec<PathBuf>) {
        let paths: Vec<PathBuf> = paths.into_iter().filter(|p| is_indexed_file(p)).collect();
        if paths.is_empty() {
            return;
        }
        let source = self.open_texts(|path| paths.iter().any(|p| p == path));
        let inner = self.clone();
        tokio::spawn(async move {
            let refreshing = inner.clone();
            let refreshed = tokio::task::spawn_blocking(move || {
                catch_unwind(AssertUnwindSafe(|| {
                    refreshing.gitops.refresh(&paths, &source);
                }))
            })
            .await;
            match refreshed {
                Ok(Ok(())) => inner.schedule_all(),
                _ => inner.log(
                    LogLevel::Error,
                    "updating the kustomize/Helm index panicked".to_owned(),
                ),
            }
        });
    }

    /// What the GitOps layer of a document's analysis needs, taken before the analysis
    /// runs: `None` without workspace folders or for documents outside them. Starts the
    /// index build in the background when it is not built yet (the documents are analysed
    /// again when it is done).
    fn gitops_layer_input(
        self: &Arc<Self>,
        path: Option<&Path>,
        kind: DocKind,
    ) -> Option<LayerInput> {
        let path = path.filter(|path| is_indexed_file(path) && kind == DocKind::Manifest)?;
        let roots = lock(&self.config).workspace_folders().to_vec();
        if !roots.iter().any(|root| path.starts_with(root)) {
            return None;
        }
        if !self.gitops.is_built_for(&roots) {
            return Some(LayerInput::IndexNeeded(roots));
        }
        // Unsaved edits of kustomizations and chart files count (the document's own text is
        // the analysis's); other manifests are read from the disk.
        let source = self.open_texts(is_gitops_input);
        Some(LayerInput::Ready {
            roots,
            path: path.to_path_buf(),
            source,
        })
    }

    /// Runs on the blocking pool, right after the document's own analysis.
    fn gitops_layer(
        &self,
        uri: &Url,
        analysis: &DocAnalysis,
        input: &LayerInput,
    ) -> Option<GitopsLayer> {
        let LayerInput::Ready {
            roots,
            path,
            source,
        } = input
        else {
            return None;
        };
        self.gitops
            .with_built_index(roots, source, |index| {
                let source = DocumentFirst {
                    path,
                    text: &analysis.text,
                    rest: source,
                };
                gitops_layer::compute(index, uri, path, analysis, &source)
            })
            .flatten()
    }

    fn build_gitops_index(self: &Arc<Self>, roots: Vec<PathBuf>) {
        if self.gitops_building.swap(true, Ordering::SeqCst) {
            return;
        }
        let source = self.open_texts(is_gitops_input);
        let inner = self.clone();
        tokio::spawn(async move {
            let building = inner.clone();
            let built = tokio::task::spawn_blocking(move || {
                catch_unwind(AssertUnwindSafe(|| {
                    building.gitops.with_index(&roots, &source, |_| ());
                }))
            })
            .await;
            inner.gitops_building.store(false, Ordering::SeqCst);
            match built {
                Ok(Ok(())) => inner.schedule_all(),
                _ => inner.log(
                    LogLevel::Error,
                    "building the kustomize/Helm index panicked".to_owned(),
                ),
            }
        });
    }

    /// The kustomize overlays / Helm values section of a hover, computed on the blocking
    /// pool (the index is built on first use).
    async fn gitops_hover(
        self: &Arc<Self>,
        uri: &Url,
        analysis: &Arc<DocAnalysis>,
        position: Position,
    ) -> Option<String> {
        let path = uri.to_file_path().ok()?;
        let roots = lock(&self.config).workspace_folders().to_vec();
        if roots.is_empty() {
            return None;
        }
        // The hovered file's text is the analysis's; kustomizations and chart files are read
        // from the open documents first (their unsaved edits count).
        let source = self.open_texts(is_gitops_input);
        let inner = self.clone();
        let analysis = analysis.clone();
        blocking(move || {
            let target = hover::hover_target(&analysis, position)?;
            inner
                .gitops
                .with_index(&roots, &source, |index| {
                    hover::gitops_section(
                        index,
                        &roots,
                        &path,
                        &analysis.text,
                        &target,
                        analysis.gitops.as_ref(),
                        &source,
                    )
                })
                .flatten()
        })
        .await
    }

    /// Hover on an `images:` entry of an open kustomization file: the containers it
    /// rewrites (blocking pool, like [`Self::gitops_hover`]).
    async fn images_entry_hover(
        self: &Arc<Self>,
        uri: &Url,
        analysis: &Arc<DocAnalysis>,
        position: Position,
    ) -> Option<Hover> {
        let path = uri.to_file_path().ok()?;
        let name = path.file_name().and_then(|name| name.to_str())?;
        // Other files: Argo CD / Flux image overrides (cheap text test first).
        let is_kustomization = is_kustomization_file_name(name);
        let text = &analysis.text;
        if !is_kustomization && !may_declare_deployer(text) {
            return None;
        }
        let roots = lock(&self.config).workspace_folders().to_vec();
        if roots.is_empty() {
            return None;
        }
        // Unsaved edits of the hovered file count, and of the overlays overrides point at.
        let source = self.open_texts(|open| {
            let open_name = open.file_name().and_then(|name| name.to_str());
            open == path || (!is_kustomization && open_name.is_some_and(is_kustomization_file_name))
        });
        let inner = self.clone();
        let analysis = analysis.clone();
        let format = self.flags().hover_format;
        blocking(move || {
            let offset = analysis.offset_at(position);
            let text = &analysis.text;
            let deployer = if is_kustomization {
                None
            } else {
                Some(gitops_ls_analysis::gitops::deployer_entry_at(text, offset)?)
            };
            let (value, range) = inner
                .gitops
                .with_index(&roots, &source, |index| match &deployer {
                    None => hover::entry_hover(index, &roots, &path, offset, &source),
                    Some(at) => {
                        hover::deployer_entry_hover(index, &roots, &path, text, at, &source)
                    }
                })
                .flatten()?;
            let range = Range::new(
                analysis.position_at(range.start),
                analysis.position_at(range.end),
            );
            Some(format.hover(value, Some(range)))
        })
        .await
    }

    fn config_files_changed(self: &Arc<Self>, paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        let reports = {
            let mut store = lock(&self.config);
            for path in &paths {
                store.reload(path);
            }
            store.take_changed_reports()
        };
        for path in &paths {
            self.log(LogLevel::Info, format!("reloaded {}", path.display()));
        }
        let inner = self.clone();
        tokio::spawn(async move { inner.publish_config_reports(reports).await });
        self.schedule_all();
    }
}

/// Kustomizations and chart files (`Chart.yaml`, `values.yaml` and the `values-prod.yaml`
/// kind that Argo CD `valueFiles` name): the open documents whose unsaved edits the GitOps
/// index reads instead of the disk.
fn is_gitops_input(path: &Path) -> bool {
    let name = path.file_name().and_then(|name| name.to_str());
    name.is_some_and(|name| {
        let values_file =
            name.starts_with("values") && (name.ends_with(".yaml") || name.ends_with(".yml"));
        is_kustomization_file_name(name) || values_file || name == "Chart.yaml"
    })
}

/// Runs `work` on the blocking pool, off the async runtime; a panic in it (or a
/// cancelled task) answers `None`, like a request with nothing to show.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Option<T> + Send + 'static,
) -> Option<T> {
    tokio::task::spawn_blocking(move || catch_unwind(AssertUnwindSafe(work)).ok().flatten())
        .await
        .ok()
        .flatten()
}

fn workspace_folder_paths(params: &InitializeParams) -> Vec<PathBuf> {
    let folders: Vec<Url> = params
        .workspace_folders
        .iter()
        .flatten()
        .map(|folder| folder.uri.clone())
        .collect();
    // rootUri is the fallback for clients without folders (when both are sent, it is one
    // of the folders: walking it again would index the tree twice).
    #[allow(deprecated)]
    let uris = if folders.is_empty() {
        params.root_uri.clone().into_iter().collect()
    } else {
        folders
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for path in uris.into_iter().filter_map(|uri| uri.to_file_path().ok()) {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths
}

#[tower_lsp::async_trait]
impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps = &params.capabilities;
        let encoding = PositionEncoding::negotiate(
            caps.general
                .as_ref()
                .and_then(|general| general.position_encodings.as_deref()),
        );
        let workspace = caps.workspace.as_ref();
        let resolve_edits = caps
            .text_document
            .as_ref()
            .and_then(|t| t.code_action.as_ref())
            .and_then(|c| c.resolve_support.as_ref())
            .is_some_and(|r| r.properties.iter().any(|p| p == "edit"));
        let flags = ClientFlags {
            encoding,
            resolve_edits,
            versioned_edits: workspace
                .and_then(|w| w.workspace_edit.as_ref())
                .and_then(|e| e.document_changes)
                .unwrap_or(false),
            pull_configuration: workspace.and_then(|w| w.configuration).unwrap_or(false),
            watch_files_dynamically: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|w| w.dynamic_registration)
                .unwrap_or(false),
            hover_format: HoverFormat::negotiate(
                caps.text_document
                    .as_ref()
                    .and_then(|t| t.hover.as_ref())
                    .and_then(|h| h.content_format.as_deref()),
            ),
        };
        let _ = self.inner.flags.set(flags);
        lock(&self.inner.config).set_workspace_folders(workspace_folder_paths(&params));
        if let Some(options) = &params.initialization_options {
            let outcome = Settings::from_value(options).map(|settings| {
                if let Some(level) = settings.log_level {
                    self.inner.logger.set_level(level);
                }
                // A log level alone is no reason not to ask for the rules.
                lock(&self.inner.config).set_settings(settings)
            });
            *lock(&self.inner.init_settings) = Some(outcome);
        }

        let code_action_kinds = vec![CodeActionKind::QUICKFIX, CodeActionKind::new(FIX_ALL_KIND)];
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "gitops-ls".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(code_action_kinds),
                        resolve_provider: Some(true),
                        ..CodeActionOptions::default()
                    },
                )),
                inlay_hint_provider: Some(OneOf::Left(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some([":", " ", ",", "#"].map(str::to_owned).to_vec()),
                    ..CompletionOptions::default()
                }),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..ServerCapabilities::default()
            },
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let inner = &self.inner;
        let flags = inner.flags();
        let init_settings = lock(&inner.init_settings).take();
        inner.log(
            LogLevel::Info,
            format!(
                "gitops-ls {} ready (positions in {})",
                env!("CARGO_PKG_VERSION"),
                flags.encoding.kind().as_str()
            ),
        );
        if let Some(Err(message)) = &init_settings {
            let text =
                format!("invalid `{SECTION}` initializationOptions, using the defaults: {message}");
            inner.log(LogLevel::Error, text.clone());
            inner.client.show_message(MessageType::ERROR, text).await;
        }
        if flags.watch_files_dynamically {
            let options = DidChangeWatchedFilesRegistrationOptions {
                watchers: [
                    format!("**/{}", gitops_ls_analysis::config::CONFIG_FILE_NAME),
                    // Kustomizations, manifests, charts and values for the GitOps index.
                    "**/*.{yaml,yml}".to_owned(),
                    "**/Kustomization".to_owned(),
                ]
                .into_iter()
                .map(|glob| FileSystemWatcher {
                    glob_pattern: GlobPattern::String(glob),
                    kind: None,
                })
                .collect(),
            };
            let registration = Registration {
                id: "gitops-ls-config-watcher".to_owned(),
                method: notification::DidChangeWatchedFiles::METHOD.to_owned(),
                register_options: serde_json::to_value(options).ok(),
            };
            let inner = inner.clone();
            tokio::spawn(async move {
                if let Err(error) = inner.client.register_capability(vec![registration]).await {
                    inner.log(
                        LogLevel::Warn,
                        format!("could not register the config file watcher: {error}"),
                    );
                }
            });
        }
        let had_settings = matches!(init_settings, Some(Ok(true)));
        if flags.pull_configuration && !had_settings {
            let inner = inner.clone();
            tokio::spawn(async move { inner.pull_settings().await });
        }
    }

    async fn shutdown(&self) -> Result<()> {
        self.inner
            .log(LogLevel::Debug, "shutdown requested".to_owned());
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let inner = &self.inner;
        let document = params.text_document;
        let epoch = inner.next_epoch.fetch_add(1, Ordering::Relaxed);
        let mut docs = inner.documents.lock();
        let mut doc = Document::new(&document.text, document.version, epoch);
        doc.revision = 1;
        let doc = docs
            .entry(document.uri.clone())
            .insert_entry(doc)
            .into_mut();
        inner.schedule(&document.uri, doc);
        drop(docs);
        // Its text may differ from the disk's.
        inner.kustomization_text_changed(&document.uri);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // Synchronous up to the end: no await may come before the edit.
        let inner = &self.inner;
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let mut docs = inner.documents.lock();
        let Some(doc) = docs.get_mut(&uri) else {
            drop(docs);
            inner.log(
                LogLevel::Warn,
                format!("didChange for a document that is not open: {uri}"),
            );
            return;
        };
        if version <= doc.version {
            inner.log(
                LogLevel::Warn,
                format!(
                    "{uri}: version {version} after {}; applying it anyway",
                    doc.version
                ),
            );
        }
        doc.apply_changes(params.content_changes, version, inner.flags().encoding);
        inner.schedule(&uri, doc);
        drop(docs);
        inner.kustomization_text_changed(&uri);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let path = params.text_document.uri.to_file_path().ok();
        if let Some(path) = path {
            if is_config_file(&path) {
                self.inner.config_files_changed(vec![path]);
            } else {
                self.inner.gitops_files_changed(vec![path]);
            }
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let inner = &self.inner;
        let uri = params.text_document.uri;
        // Removed before the await: a running analysis then finds the
        // document gone and does not publish.
        let removed = inner.documents.lock().remove(&uri).is_some();
        if !removed {
            return;
        }
        let path = uri.to_file_path().ok();
        if let Some(path) = &path {
            // Unsaved edits of a kustomization counted while it was open: back to the disk.
            inner.gitops_files_changed(vec![path.clone()]);
        }
        let diagnostics = match path.as_deref().filter(|p| is_config_file(p)) {
            // A broken config file stays reported while closed.
            Some(path) => lock(&inner.config).file_diagnostics(path, inner.flags().encoding),
            None => Vec::new(),
        };
        let _publishing = inner.publish_lock.lock().await;
        if !inner.documents.lock().contains_key(&uri) {
            inner
                .publish(PublishParams {
                    uri,
                    version: None,
                    analysis: None,
                    diagnostics,
                })
                .await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let inner = &self.inner;
        if params.settings.is_null() {
            if inner.flags().pull_configuration {
                let inner = inner.clone();
                tokio::spawn(async move { inner.pull_settings().await });
            }
        } else {
            inner.apply_settings(&params.settings);
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let (config, others): (Vec<PathBuf>, Vec<PathBuf>) = params
            .changes
            .into_iter()
            .filter_map(|change| change.uri.to_file_path().ok())
            .partition(|path| is_config_file(path));
        self.inner.config_files_changed(config);
        self.inner.gitops_files_changed(others);
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let inner = &self.inner;
        {
            let mut store = lock(&inner.config);
            let mut folders = store.workspace_folders().to_vec();
            for removed in &params.event.removed {
                if let Ok(path) = removed.uri.to_file_path() {
                    folders.retain(|folder| *folder != path);
                }
            }
            folders.extend(
                params
                    .event
                    .added
                    .iter()
                    .filter_map(|added| added.uri.to_file_path().ok()),
            );
            store.set_workspace_folders(folders);
        }
        inner.schedule_all();
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        let uri = position.text_document.uri;
        let Some(analysis) = self.inner.current_analysis(&uri).await? else {
            return Ok(None);
        };
        let Some(found) = hover::hover(&analysis, position.position) else {
            return Ok(self
                .inner
                .images_entry_hover(&uri, &analysis, position.position)
                .await);
        };
        let builds = self
            .inner
            .gitops_hover(&uri, &analysis, position.position)
            .await;
        let format = self.inner.flags().hover_format;
        Ok(Some(found.into_hover(builds.as_deref(), format)))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let Some(analysis) = self
            .inner
            .current_analysis(&params.text_document.uri)
            .await?
        else {
            return Ok(None);
        };
        let request = code_actions::Request {
            uri: &params.text_document.uri,
            range: params.range,
            diagnostics: &params.context.diagnostics,
            only: params.context.only.as_deref(),
            versioned: self.inner.flags().versioned_edits,
            lazy_edits: self.inner.flags().resolve_edits,
        };
        Ok(Some(code_actions::code_actions(&analysis, &request)))
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        let uri = action
            .data
            .as_ref()
            .and_then(|data| data.get("uri"))
            .and_then(|uri| serde_json::from_value::<Url>(uri.clone()).ok());
        let Some(uri) = uri.filter(|_| action.edit.is_none()) else {
            return Ok(action);
        };
        let Some(analysis) = self.inner.current_analysis(&uri).await? else {
            return Ok(action);
        };
        let request = code_actions::Request {
            uri: &uri,
            range: Range::default(),
            diagnostics: &[],
            only: None,
            versioned: self.inner.flags().versioned_edits,
            lazy_edits: false,
        };
        Ok(code_actions::resolve_fix_all(&analysis, &request, action))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let Some(analysis) = self
            .inner
            .current_analysis(&params.text_document.uri)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(inlay_hints::inlay_hints(&analysis, params.range)))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let inner = &self.inner;
        let position = params.text_document_position.position;
        let uri = params.text_document_position.text_document.uri;
        let encoding = inner.flags().encoding;
        let (line, cursor, analysis) = {
            let docs = inner.documents.lock();
            let Some(doc) = docs.get(&uri) else {
                return Ok(None);
            };
            let rope = &doc.rope;
            if position.line as usize >= rope.len_lines() {
                return Ok(None);
            }
            let line_start = rope.line_to_char(position.line as usize);
            let cursor_char = crate::encoding::rope_char_at(rope, position, encoding);
            let mut line = rope.line(position.line as usize).to_string();
            let content_len = line.trim_end_matches(['\n', '\r']).len();
            line.truncate(content_len);
            let cursor_in_line = rope.char_to_byte(cursor_char) - rope.char_to_byte(line_start);
            let analysis = doc.latest.clone().filter(|a| a.version == doc.version);
            (line, cursor_in_line.min(content_len), analysis)
        };
        // The container of the line's first key (the cursor may be past the
        // end of the container's mapping, after `imagePullPolicy: `).
        let indent = line.len() - line.trim_start_matches([' ', '\t', '-']).len();
        let key_column = encoding.len_of(&line[..indent]) as u32;
        let default_policy = analysis.as_ref().and_then(|analysis| {
            let offset = analysis.offset_at(Position::new(position.line, key_column));
            let chunk = analysis.chunk_at_offset(offset)?;
            let tree = analysis.tree(chunk);
            let facts = tree.container_at(offset - chunk.range.start)?;
            let image = facts
                .image_text()
                .filter(|_| facts.valid_reference().is_some())?;
            Some(completion::default_for_image(image))
        });
        let ctx = LineContext {
            line: &line,
            cursor,
            line_number: position.line,
            encoding,
            default_policy,
        };
        let items = completion::complete(&ctx);
        Ok((!items.is_empty()).then_some(CompletionResponse::Array(items)))
    }
}
