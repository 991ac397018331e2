//! The server's state, in one place, and the rules of how it changes.
//!
//! - Notifications change the state through the synchronous methods of [`Session`]
//!   ([`Session::open`], [`Session::change`], [`Session::close`], ...). A notification
//!   handler is a plain `fn` (see [`crate::server`]): it cannot await, so tower-lsp, which
//!   interleaves handlers at their await points (tower-lsp issue #284), cannot reorder edits.
//! - Every open document has one analysis task, started when it opens and ended when it
//!   closes (its channel is dropped with the document). A change marks the channel; the task
//!   analyses the latest text each time it sees a mark, so a burst of edits costs a few
//!   analyses, the newest text always wins, and the document is analysed after its last
//!   change: there is no flag to clear, and no return path out of the loop but the close.
//! - A diagnostic is published only for the revision the document has at that moment.
//! - Requests read immutable snapshots: the analysis of the version they were sent for
//!   ([`Session::current_analysis`]) and the workspace index ([`GitopsIndex`]). No lock is
//!   held across an await or file I/O; the documents' lock only guards short, synchronous
//!   work, so the GitOps work of different documents runs in parallel.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use futures::FutureExt;
use serde_json::Value;
use tokio::sync::watch;
use tower_lsp::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp::lsp_types::notification::Progress;
use tower_lsp::lsp_types::request::WorkDoneProgressCreate;
use tower_lsp::lsp_types::*;
use tower_lsp::Client;

use crate::config::{is_config_file, ConfigStore, ResolvedConfig, Settings, SECTION};
use crate::documents::Document;
use crate::encoding::PositionEncoding;
use crate::gitops_index::{
    apply, is_indexed_file, DocumentFirst, GitopsIndex, IndexChange, IndexSnapshot, IndexUpdater,
    OpenFirst,
};
use crate::gitops_layer;
use crate::hover::HoverFormat;
use crate::log::{LogLevel, Logger};
use crate::output::Output;
use crate::panic_guard::panic_message;
use crate::snapshot::{self, DocAnalysis, DocKind, GitopsLayer, Job, PublishParams};
use gitops_ls_analysis::gitops::is_kustomization_file_name;

/// After analysing a text this large, the memory the analysis freed is given back.
const RELEASE_MEMORY_AFTER: usize = 1024 * 1024;

/// How long a request waits for the analysis of its document version.
const ANALYSIS_WAIT: Duration = Duration::from_secs(60);

/// How long the index build waits for the client to accept its progress token: a client
/// that never answers gets no progress, not a stuck index.
const PROGRESS_CREATE_WAIT: Duration = Duration::from_secs(5);

/// The token of the index build's `$/progress`.
const INDEX_PROGRESS_TOKEN: &str = "gitops-ls/index";

/// `GITOPS_LS_TIMING=1` logs the time of every analysis to stderr.
fn timing_enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("GITOPS_LS_TIMING").is_some())
}

/// What the client can do, read from `initialize`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientFlags {
    pub encoding: PositionEncoding,
    pub versioned_edits: bool,
    pub resolve_edits: bool,
    pub pull_configuration: bool,
    pub watch_files_dynamically: bool,
    pub work_done_progress: bool,
    pub hover_format: HoverFormat,
}

/// What the GitOps layer of an analysis needs, taken before the analysis runs.
enum LayerInput {
    Ready {
        index: Arc<IndexSnapshot>,
        path: PathBuf,
        source: OpenFirst,
    },
    /// The index is not built yet: it is built once this analysis is published.
    IndexNeeded(Vec<PathBuf>),
}

pub struct Session {
    client: Client,
    /// stdout, for the messages not sent through tower-lsp (see [`crate::output`]).
    output: Output,
    logger: Logger,
    documents: Mutex<HashMap<Url, Document>>,
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
    index: GitopsIndex,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Session {
    /// The state, and the task that applies the changes of the workspace index (it ends
    /// when the session is dropped).
    pub fn start(client: Client, output: Output) -> Arc<Session> {
        let (index, updater) = GitopsIndex::new();
        let session = Arc::new(Session {
            logger: Logger::new(output.clone()),
            output,
            client,
            documents: Mutex::default(),
            config: Mutex::new(ConfigStore::default()),
            flags: OnceLock::new(),
            init_settings: Mutex::new(None),
            publish_lock: tokio::sync::Mutex::new(()),
            next_epoch: AtomicU64::new(1),
            settings_generation: AtomicU64::new(0),
            index,
        });
        tokio::spawn(update_index(Arc::downgrade(&session), updater));
        session
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn output(&self) -> &Output {
        &self.output
    }

    pub fn flags(&self) -> ClientFlags {
        self.flags.get().copied().unwrap_or_default()
    }

    pub fn logger(&self) -> &Logger {
        &self.logger
    }

    /// Logs to the client without waiting (errors also to stderr).
    pub fn log(&self, level: LogLevel, message: String) {
        self.logger.log(level, message);
    }

    pub fn config(&self) -> MutexGuard<'_, ConfigStore> {
        lock(&self.config)
    }

    pub fn workspace_folders(&self) -> Vec<PathBuf> {
        self.config().workspace_folders().to_vec()
    }

    /// `initialize`: what the client can do, its folders and its initializationOptions.
    pub fn initialize(&self, flags: ClientFlags, folders: Vec<PathBuf>, options: Option<&Value>) {
        let _ = self.flags.set(flags);
        self.config().set_workspace_folders(folders);
        if let Some(options) = options {
            let outcome = Settings::from_value(options).map(|settings| {
                if let Some(level) = settings.log_level {
                    self.logger.set_level(level);
                }
                // A log level alone is no reason not to ask for the rules.
                self.config().set_settings(settings)
            });
            *lock(&self.init_settings) = Some(outcome);
        }
    }

    /// What `initialize` found in initializationOptions (taken once, by `initialized`).
    pub fn take_init_settings(&self) -> Option<std::result::Result<bool, String>> {
        lock(&self.init_settings).take()
    }

    // ---- notifications: synchronous changes of the state ---------------------------------

    /// `didOpen`: the document and its analysis task.
    pub fn open(self: &Arc<Self>, uri: Url, text: &str, version: i32) {
        let epoch = self.next_epoch.fetch_add(1, Ordering::Relaxed);
        let doc = Document::new(text, version, epoch);
        let changes = doc.changes();
        // Its text may differ from the disk's. Requested before its analysis starts, which
        // then waits for the index to have it.
        let kustomization = self.request_open_kustomization(&uri, &doc);
        lock(&self.documents).insert(uri.clone(), doc);
        tokio::spawn(self.clone().analyse_while_open(uri.clone(), epoch, changes));
        if kustomization {
            self.invalidate_all_but(Some(&uri));
        }
    }

    /// `didChange`: the edits, in order.
    pub fn change(
        self: &Arc<Self>,
        uri: &Url,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) {
        let encoding = self.flags().encoding;
        let mut docs = lock(&self.documents);
        let Some(doc) = docs.get_mut(uri) else {
            drop(docs);
            self.log(
                LogLevel::Warn,
                format!("didChange for a document that is not open: {uri}"),
            );
            return;
        };
        if version <= doc.version {
            self.log(
                LogLevel::Warn,
                format!(
                    "{uri}: version {version} after {}; applying it anyway",
                    doc.version
                ),
            );
        }
        doc.apply_changes(changes, version, encoding);
        // Under the documents' lock: the document's analysis, woken by the edit, cannot ask
        // the index for its changes before this one is among them.
        let kustomization = self.request_open_kustomization(uri, doc);
        drop(docs);
        if kustomization {
            self.invalidate_all_but(Some(uri));
        }
    }

    /// `didClose`: the document goes (a running analysis then finds it gone and does not
    /// publish), and so do its diagnostics.
    pub fn close(self: &Arc<Self>, uri: Url) {
        if lock(&self.documents).remove(&uri).is_none() {
            return;
        }
        let path = uri.to_file_path().ok();
        if let Some(path) = &path {
            // Unsaved edits of a kustomization counted while it was open: back to the disk.
            self.gitops_files_changed(vec![path.clone()]);
        }
        let diagnostics = match path.as_deref().filter(|p| is_config_file(p)) {
            // A broken config file stays reported while closed.
            Some(path) => self.config().file_diagnostics(path, self.flags().encoding),
            None => Vec::new(),
        };
        let session = self.clone();
        tokio::spawn(async move {
            let _publishing = session.publish_lock.lock().await;
            // Opened again meanwhile: its own analysis publishes.
            if !lock(&session.documents).contains_key(&uri) {
                session
                    .publish(PublishParams {
                        uri,
                        version: None,
                        analysis: None,
                        diagnostics,
                    })
                    .await;
            }
        });
    }

    /// Every open document is analysed again (the configuration or the index changed).
    pub fn invalidate_all(&self) {
        self.invalidate_all_but(None);
    }

    fn invalidate_all_but(&self, skipped: Option<&Url>) {
        let mut docs = lock(&self.documents);
        for (uri, doc) in docs.iter_mut() {
            if Some(uri) != skipped {
                doc.invalidate();
            }
        }
    }

    /// An open kustomization's text goes to the index, which reads it instead of the disk:
    /// the other open documents' GitOps layers (and their hovers) read it, so the caller
    /// marks them for analysis (their analyses wait for the index to have it). Returns
    /// whether `uri` is a kustomization.
    fn request_open_kustomization(&self, uri: &Url, doc: &Document) -> bool {
        let is_kustomization = uri
            .path_segments()
            .and_then(|mut segments| segments.next_back())
            .is_some_and(is_kustomization_file_name);
        let Some(path) = uri.to_file_path().ok().filter(|_| is_kustomization) else {
            return false;
        };
        let text = doc.rope.clone();
        self.index
            .request(IndexChange::OpenKustomization { path, text });
        true
    }

    /// Re-reads changed YAML files into the GitOps index; the open documents are analysed
    /// again once it has them.
    pub fn gitops_files_changed(&self, paths: Vec<PathBuf>) {
        let paths: Vec<PathBuf> = paths.into_iter().filter(|p| is_indexed_file(p)).collect();
        if paths.is_empty() {
            return;
        }
        let source = self.open_texts(|path| paths.iter().any(|p| p == path));
        self.index.request(IndexChange::Refresh { paths, source });
    }

    pub fn config_files_changed(self: &Arc<Self>, paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        let reports = {
            let mut store = self.config();
            for path in &paths {
                store.reload(path);
            }
            store.take_changed_reports()
        };
        for path in &paths {
            self.log(LogLevel::Info, format!("reloaded {}", path.display()));
        }
        let session = self.clone();
        tokio::spawn(async move { session.publish_config_reports(reports).await });
        self.invalidate_all();
    }

    pub fn apply_settings(&self, value: &Value) {
        self.settings_generation.fetch_add(1, Ordering::SeqCst);
        match Settings::from_value(value) {
            Ok(settings) => {
                if let Some(level) = settings.log_level {
                    self.logger.set_level(level);
                }
                let changed = self.config().set_settings(settings);
                if changed {
                    self.log(LogLevel::Info, "settings changed".to_owned());
                    self.invalidate_all();
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

    /// Asks the client for the `gitops-ls` section (in a task of its own).
    pub fn pull_settings(self: &Arc<Self>) {
        let session = self.clone();
        tokio::spawn(async move {
            let items = vec![ConfigurationItem {
                scope_uri: None,
                section: Some(SECTION.to_owned()),
            }];
            let generation = session.settings_generation.load(Ordering::SeqCst);
            match session.client.configuration(items).await {
                Ok(_) if session.settings_generation.load(Ordering::SeqCst) != generation => {
                    // Settings were pushed meanwhile: they are newer.
                }
                Ok(values) => {
                    let section = values.into_iter().next().unwrap_or(Value::Null);
                    let wrapped = serde_json::json!({ SECTION: section });
                    session.apply_settings(&wrapped);
                }
                Err(error) => session.log(
                    LogLevel::Warn,
                    format!("workspace/configuration failed: {error}"),
                ),
            }
        });
    }

    // ---- requests: snapshots ---------------------------------------------------------------

    /// The analysis of the version the client has now, waiting for it when
    /// it is still running. None for a document that is not open.
    pub async fn current_analysis(&self, uri: &Url) -> Result<Option<Arc<DocAnalysis>>> {
        let (mut analyses, version, revision) = {
            let docs = lock(&self.documents);
            let Some(doc) = docs.get(uri) else {
                drop(docs);
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

    /// Reads an open document (briefly, under the documents' lock).
    pub fn with_document<R>(&self, uri: &Url, read: impl FnOnce(&Document) -> R) -> Option<R> {
        lock(&self.documents).get(uri).map(read)
    }

    /// The workspace index with every change requested so far, built first when needed.
    /// `None` without workspace folders.
    pub async fn index(&self, roots: &[PathBuf]) -> Option<Arc<IndexSnapshot>> {
        let source = self.open_texts(is_gitops_input);
        self.index.ready_for(roots, source).await
    }

    /// The texts of the open documents `wanted` by the GitOps index (copied: only the few
    /// it reads, never every open manifest).
    pub fn open_texts(&self, wanted: impl Fn(&Path) -> bool) -> OpenFirst {
        let docs = lock(&self.documents);
        let open = docs
            .iter()
            .filter_map(|(uri, doc)| Some((uri.to_file_path().ok()?, doc)))
            .filter(|(path, _)| is_indexed_file(path) && wanted(path))
            .map(|(path, doc)| (path, doc.rope.to_string()))
            .collect();
        OpenFirst { open }
    }

    // ---- the analysis task of a document ----------------------------------------------------

    /// Analyses the document each time it changed, until it closes. A panic in one pass is
    /// logged and the task goes on with the next change.
    async fn analyse_while_open(
        self: Arc<Self>,
        uri: Url,
        epoch: u64,
        mut changes: watch::Receiver<()>,
    ) {
        while changes.changed().await.is_ok() {
            let pass = AssertUnwindSafe(self.analyse_once(&uri, epoch, &mut changes));
            if let Err(panic) = pass.catch_unwind().await {
                self.log(
                    LogLevel::Error,
                    format!("the analysis of {uri} failed: {}", panic_message(&panic)),
                );
            }
        }
    }

    /// One analysis of the document's latest text, published if no edit came meanwhile.
    async fn analyse_once(
        self: &Arc<Self>,
        uri: &Url,
        epoch: u64,
        changes: &mut watch::Receiver<()>,
    ) {
        let (rope, version, revision, previous) = {
            let docs = lock(&self.documents);
            let Some(doc) = docs.get(uri).filter(|d| d.epoch == epoch) else {
                return;
            };
            // Under the lock that edits take: a later edit marks the channel again.
            changes.borrow_and_update();
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
            let mut store = self.config();
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
        let layer_input = self.gitops_layer_input(path.as_deref(), kind).await;
        let index_needed = match &layer_input {
            Some(LayerInput::IndexNeeded(roots)) => Some(roots.clone()),
            _ => None,
        };
        let layer_uri = uri.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            catch_unwind(AssertUnwindSafe(|| {
                let mut analysis = snapshot::run(job);
                if let Some(input) = &layer_input {
                    analysis.gitops = gitops_layer_of(&layer_uri, &analysis, input);
                }
                if analysis.text.len() >= RELEASE_MEMORY_AFTER {
                    crate::memory::release_freed_memory();
                }
                analysis
            }))
            .map_err(|panic| panic_message(&panic))
        })
        .await;
        let analysis = match outcome {
            Ok(Ok(analysis)) => analysis,
            Ok(Err(message)) => self.failed_analysis(uri, version, revision, config, message),
            Err(error) => self.failed_analysis(uri, version, revision, config, error.to_string()),
        };
        let analysis = Arc::new(analysis);
        let analysed = started.elapsed();
        {
            let mut docs = lock(&self.documents);
            let Some(doc) = docs.get_mut(uri).filter(|d| d.epoch == epoch) else {
                return;
            };
            doc.latest = Some(analysis.clone());
            doc.analyses.send_replace(Some(analysis.clone()));
        }
        let (current, unchanged) = self
            .publish_if_current(uri, epoch, &analysis, analysed)
            .await;
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
        // Built after the first diagnostics are out, not competing with them; the
        // documents are analysed again once it is built.
        if let Some(roots) = index_needed {
            let source = self.open_texts(is_gitops_input);
            self.index.request(IndexChange::Build { roots, source });
        }
    }

    /// Publishes `analysis` if it is of the document's revision and tells the client
    /// something new (not a re-analysis after an index change this file takes no part in).
    /// Returns (current, unchanged).
    async fn publish_if_current(
        &self,
        uri: &Url,
        epoch: u64,
        analysis: &Arc<DocAnalysis>,
        analysed: Duration,
    ) -> (bool, bool) {
        let _publishing = self.publish_lock.lock().await;
        let (current, unchanged) = {
            let mut docs = lock(&self.documents);
            match docs.get_mut(uri) {
                Some(doc) if doc.epoch == epoch && doc.revision == analysis.revision => {
                    let unchanged = doc
                        .published
                        .as_ref()
                        .is_some_and(|published| published.publishes_same(analysis));
                    doc.published = Some(analysis.clone());
                    (true, unchanged)
                }
                _ => (false, false),
            }
        };
        if current && !unchanged {
            if self.logger.enabled(LogLevel::Debug) {
                // Before the diagnostics it describes.
                self.log(
                    LogLevel::Debug,
                    format!(
                        "{uri} v{}: analysed {} YAML documents ({} reused) in {:.1} ms, {} diagnostics",
                        analysis.version,
                        analysis.chunks.len(),
                        analysis.reused,
                        analysed.as_secs_f64() * 1000.0,
                        analysis.diagnostic_count(),
                    ),
                );
            }
            self.publish(PublishParams {
                uri: uri.clone(),
                version: Some(analysis.version),
                analysis: Some(analysis.clone()),
                diagnostics: Vec::new(),
            })
            .await;
        }
        (current, unchanged)
    }

    fn failed_analysis(
        &self,
        uri: &Url,
        version: i32,
        revision: u64,
        config: Arc<ResolvedConfig>,
        message: String,
    ) -> DocAnalysis {
        self.log(
            LogLevel::Error,
            format!("the analysis of {uri} failed: {message}"),
        );
        snapshot::failed(version, revision, self.flags().encoding, config, &message)
    }

    /// What the GitOps layer of a document's analysis needs: `None` without workspace
    /// folders or for documents outside them.
    async fn gitops_layer_input(&self, path: Option<&Path>, kind: DocKind) -> Option<LayerInput> {
        let path = path.filter(|path| is_indexed_file(path) && kind == DocKind::Manifest)?;
        let roots = self.workspace_folders();
        if !roots.iter().any(|root| path.starts_with(root)) {
            return None;
        }
        let Some(index) = self.index.built_for(&roots).await else {
            return Some(LayerInput::IndexNeeded(roots));
        };
        // Unsaved edits of chart files count (the document's own text is the analysis's,
        // open kustomizations are in the index); other manifests are read from the disk.
        let source = self.open_texts(is_gitops_input);
        Some(LayerInput::Ready {
            index,
            path: path.to_path_buf(),
            source,
        })
    }

    // ---- publishing ----------------------------------------------------------------------

    /// Publishes the diagnostics of config files whose state changed (a
    /// file that is open is reported by its own analysis instead).
    async fn publish_config_reports(&self, paths: Vec<PathBuf>) {
        let encoding = self.flags().encoding;
        for path in paths {
            let Ok(uri) = Url::from_file_path(&path) else {
                continue;
            };
            if lock(&self.documents).contains_key(&uri) {
                continue;
            }
            let diagnostics = self.config().file_diagnostics(&path, encoding);
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

    // ---- the index build's progress -------------------------------------------------------

    /// Asks the client for a progress token and reports the start of the index build;
    /// false (nothing reported) when the client does not take one.
    async fn begin_index_progress(&self) -> bool {
        if !self.flags().work_done_progress {
            return false;
        }
        let token = NumberOrString::String(INDEX_PROGRESS_TOKEN.to_owned());
        let create =
            self.client
                .send_request::<WorkDoneProgressCreate>(WorkDoneProgressCreateParams {
                    token: token.clone(),
                });
        match tokio::time::timeout(PROGRESS_CREATE_WAIT, create).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                self.log(
                    LogLevel::Warn,
                    format!("window/workDoneProgress/create failed: {error}"),
                );
                return false;
            }
            Err(_) => return false,
        }
        self.progress(WorkDoneProgress::Begin(WorkDoneProgressBegin {
            title: "Indexing kustomize and Helm files".to_owned(),
            cancellable: Some(false),
            message: None,
            percentage: None,
        }));
        true
    }

    fn end_index_progress(&self, message: String) {
        self.progress(WorkDoneProgress::End(WorkDoneProgressEnd {
            message: Some(message),
        }));
    }

    /// Through [`Output`], in order with the publishes around it.
    fn progress(&self, value: WorkDoneProgress) {
        let params = ProgressParams {
            token: NumberOrString::String(INDEX_PROGRESS_TOKEN.to_owned()),
            value: ProgressParamsValue::WorkDone(value),
        };
        self.output
            .notify(<Progress as notification::Notification>::METHOD, &params);
    }
}

/// Applies the index changes the session requests, one batch at a time, until the session
/// is gone. A build is reported with `$/progress`; its end is sent once the open documents
/// are marked for the analysis with the index, so a request sent after it sees the
/// index's findings.
async fn update_index(session: std::sync::Weak<Session>, mut updater: IndexUpdater) {
    while let Some((generation, batch)) = updater.next_batch().await {
        let Some(session) = session.upgrade() else {
            return;
        };
        let progress = updater.builds(&batch) && session.begin_index_progress().await;
        let current = updater.current();
        let applied = tokio::task::spawn_blocking(move || {
            catch_unwind(AssertUnwindSafe(|| apply(current, batch)))
        })
        .await;
        match applied {
            Ok(Ok((snapshot, applied))) => {
                updater.publish(generation, snapshot);
                // An open kustomization's edit already marked the other documents.
                if applied.built.is_some() || applied.refreshed {
                    session.invalidate_all();
                }
                if progress {
                    let files = applied.built.unwrap_or_default();
                    session.end_index_progress(format!("{files} files indexed"));
                }
            }
            _ => {
                // The previous index stays; waiting readers go on with it.
                updater.publish(generation, updater.current());
                session.log(
                    LogLevel::Error,
                    "updating the kustomize/Helm index panicked".to_owned(),
                );
                if progress {
                    session.end_index_progress("indexing failed".to_owned());
                }
            }
        }
    }
}

/// Runs on the blocking pool, right after the document's own analysis.
fn gitops_layer_of(uri: &Url, analysis: &DocAnalysis, input: &LayerInput) -> Option<GitopsLayer> {
    let LayerInput::Ready {
        index,
        path,
        source,
    } = input
    else {
        return None;
    };
    let source = DocumentFirst {
        path,
        text: &analysis.text,
        rest: source,
    };
    gitops_layer::compute(&index.index, uri, path, analysis, &source)
}

/// Kustomizations and chart files (`Chart.yaml`, `values.yaml` and the `values-prod.yaml`
/// kind that Argo CD `valueFiles` name): the open documents whose unsaved edits the GitOps
/// index reads instead of the disk.
pub fn is_gitops_input(path: &Path) -> bool {
    let name = path.file_name().and_then(|name| name.to_str());
    name.is_some_and(|name| {
        let values_file =
            name.starts_with("values") && (name.ends_with(".yaml") || name.ends_with(".yml"));
        is_kustomization_file_name(name) || values_file || name == "Chart.yaml"
    })
}
