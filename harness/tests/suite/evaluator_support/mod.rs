//! Test doubles for the run engine: a deterministic model that counts and records its work and
//! can fail after a number of calls, tasks that check every response against its request, and a
//! progress recorder.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use harness::evaluator::{Progress, ProgressUpdate, TableError, TableWriter};
use harness::model::{LanguageModel, ModelError, ModelInfo};
use harness::request::{
    GenerateRequest, GenerateResponse, HiddenStates, HiddenStatesRequest, LoglikelihoodRequest,
    LoglikelihoodResponse, Pooling, Request, Response, RollingRequest, RollingResponse,
    TokenizeRequest,
};
use harness::results::{ResultRow, SampleRow};
use harness::task::{Doc, MetricValue, Sample, Task, TaskError, TaskOutput};

/// FNV-1a of `text`.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The log-probability the fake model gives `continuation` after `context`: irrational-looking
/// values (so float exactness matters), and `-inf` for the continuation `" impossible"`.
pub fn fake_logprob(context: &str, continuation: &str) -> f64 {
    if continuation == " impossible" {
        return f64::NEG_INFINITY;
    }
    let h = fnv(&format!("{context}\u{1}{continuation}"));
    -((h % 100_000) as f64).sqrt() / 7.0
}

/// The pooled vectors the fake model gives `text`: three layers of four numbers.
pub fn fake_hidden(text: &str, pooling: Pooling) -> Vec<Vec<f32>> {
    let h = fnv(&format!("{text}\u{2}{}", pooling.name()));
    (0..3)
        .map(|l| {
            (0..4)
                .map(|i| (((h >> (i * 8)) & 0xff) as f32 * (l + 1) as f32 / 7.3).sin())
                .collect()
        })
        .collect()
}

/// What the fake model generates from `context`: the context reversed, cut to the token budget.
pub fn fake_generation(context: &str, max_new_tokens: usize) -> String {
    context.chars().rev().take(max_new_tokens).collect()
}

/// A deterministic [`LanguageModel`] that counts its calls, records every request it answers,
/// and fails once it has been called `fail_after` times.
#[derive(Default)]
pub struct FakeModel {
    /// Calls of any answering method (one per batch; one per text for `tokenize`).
    pub calls: AtomicUsize,
    /// Every request answered, in order.
    pub answered: Mutex<Vec<Request>>,
    /// Calls that succeed before every later call fails.
    pub fail_after: Option<usize>,
    /// Answer one request fewer than asked (a broken backend).
    pub drop_one: bool,
}

impl FakeModel {
    /// A model that never fails.
    pub fn new() -> Self {
        FakeModel::default()
    }

    /// A model that fails from its `calls + 1`-th call on.
    pub fn failing_after(calls: usize) -> Self {
        FakeModel {
            fail_after: Some(calls),
            ..FakeModel::default()
        }
    }

    /// The requests answered so far.
    pub fn answered(&self) -> Vec<Request> {
        self.answered.lock().unwrap().clone()
    }

    fn call(&self, requests: impl IntoIterator<Item = Request>) -> Result<(), ModelError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail_after.is_some_and(|limit| n >= limit) {
            return Err(ModelError::Backend("simulated crash".to_string()));
        }
        self.answered.lock().unwrap().extend(requests);
        Ok(())
    }

    fn trim<T>(&self, mut answers: Vec<T>) -> Vec<T> {
        if self.drop_one {
            answers.pop();
        }
        answers
    }
}

impl LanguageModel for FakeModel {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            architecture: "fake".to_string(),
            num_layers: 2,
            hidden_size: 4,
            vocab_size: 256,
            max_context: 4096,
            backend: "test".to_string(),
            dtype: "f32".to_string(),
        }
    }

    fn tokenize(&self, text: &str) -> Result<Vec<u32>, ModelError> {
        self.call([Request::Tokenize(TokenizeRequest {
            text: text.to_string(),
        })])?;
        Ok(text.bytes().map(u32::from).collect())
    }

    fn loglikelihood(
        &self,
        requests: &[LoglikelihoodRequest],
    ) -> Result<Vec<LoglikelihoodResponse>, ModelError> {
        self.call(requests.iter().cloned().map(Request::Loglikelihood))?;
        Ok(self.trim(
            requests
                .iter()
                .map(|r| LoglikelihoodResponse {
                    logprob: fake_logprob(&r.context, &r.continuation),
                    is_greedy: fnv(&r.continuation).is_multiple_of(3),
                    num_tokens: r.continuation.split_whitespace().count().max(1),
                    num_bytes: r.continuation.len(),
                })
                .collect(),
        ))
    }

    fn loglikelihood_rolling(
        &self,
        requests: &[RollingRequest],
    ) -> Result<Vec<RollingResponse>, ModelError> {
        self.call(requests.iter().cloned().map(Request::Rolling))?;
        Ok(self.trim(
            requests
                .iter()
                .map(|r| RollingResponse {
                    logprob: fake_logprob("", &r.text),
                    num_tokens: r.text.split_whitespace().count(),
                    num_bytes: r.text.len(),
                })
                .collect(),
        ))
    }

    fn generate(&self, requests: &[GenerateRequest]) -> Result<Vec<GenerateResponse>, ModelError> {
        self.call(requests.iter().cloned().map(Request::Generate))?;
        Ok(self.trim(
            requests
                .iter()
                .map(|r| {
                    let text = fake_generation(&r.context, r.max_new_tokens);
                    GenerateResponse {
                        token_ids: text.bytes().map(u32::from).collect(),
                        text,
                    }
                })
                .collect(),
        ))
    }

    fn hidden_states(
        &self,
        requests: &[HiddenStatesRequest],
    ) -> Result<Vec<HiddenStates>, ModelError> {
        self.call(requests.iter().cloned().map(Request::HiddenStates))?;
        Ok(self.trim(
            requests
                .iter()
                .map(|r| HiddenStates {
                    layers: fake_hidden(&r.text, r.pooling),
                })
                .collect(),
        ))
    }
}

/// A task over fixed documents that checks each response against its request (so a response
/// routed to the wrong request fails the test) and scores with the fake model's numbers.
pub struct FakeTask {
    pub name: String,
    pub group: String,
    pub language: String,
    pub docs: Vec<Doc>,
}

impl FakeTask {
    fn bad(&self, doc: &Doc, message: String) -> TaskError {
        TaskError::BadResponse {
            task: self.name.clone(),
            doc_id: doc.id.clone(),
            message,
        }
    }

    /// Checks `response` against `request`; the request's score.
    fn score(&self, doc: &Doc, request: &Request, response: &Response) -> Result<f64, TaskError> {
        let ok = match (request, response) {
            (Request::Loglikelihood(q), Response::Loglikelihood(a)) => {
                let expected = fake_logprob(&q.context, &q.continuation);
                (a.logprob.to_bits() == expected.to_bits() && a.num_bytes == q.continuation.len())
                    .then_some(a.logprob)
            }
            (Request::Rolling(q), Response::Rolling(a)) => {
                (a.logprob.to_bits() == fake_logprob("", &q.text).to_bits()).then_some(a.logprob)
            }
            (Request::Generate(q), Response::Generate(a)) => (a.text
                == fake_generation(&q.context, q.max_new_tokens))
            .then_some(a.text.len() as f64),
            (Request::HiddenStates(q), Response::HiddenStates(a)) => (a.layers
                == fake_hidden(&q.text, q.pooling))
            .then(|| a.layers.iter().flatten().map(|&x| f64::from(x)).sum()),
            (Request::Tokenize(q), Response::Tokenize(a)) => (a.token_ids
                == q.text.bytes().map(u32::from).collect::<Vec<_>>())
            .then_some(a.token_ids.len() as f64),
            _ => None,
        };
        ok.ok_or_else(|| {
            self.bad(
                doc,
                format!("response {response:?} does not answer {request:?}"),
            )
        })
    }
}

impl Task for FakeTask {
    fn name(&self) -> &str {
        &self.name
    }

    fn group(&self) -> &str {
        &self.group
    }

    fn language(&self) -> &str {
        &self.language
    }

    fn signature(&self) -> String {
        format!("{}|v1", self.name)
    }

    fn docs(&self) -> Result<Vec<Doc>, TaskError> {
        Ok(self.docs.clone())
    }

    fn evaluate(&self, docs: &[Doc], responses: &[Vec<Response>]) -> Result<TaskOutput, TaskError> {
        if docs != self.docs.as_slice() || docs.len() != responses.len() {
            return Err(TaskError::Config {
                task: self.name.clone(),
                message: format!("evaluated {} of {} documents", docs.len(), self.docs.len()),
            });
        }
        let mut samples = Vec::new();
        let mut correct = 0.0;
        let mut total = 0.0;
        for (doc, answers) in docs.iter().zip(responses) {
            if answers.len() != doc.requests.len() {
                return Err(self.bad(doc, format!("{} responses", answers.len())));
            }
            let scores = doc
                .requests
                .iter()
                .zip(answers)
                .map(|(q, a)| self.score(doc, q, a))
                .collect::<Result<Vec<f64>, _>>()?;
            let best = scores
                .iter()
                .enumerate()
                .fold(
                    (0, f64::NEG_INFINITY),
                    |acc, (i, &s)| if s > acc.1 { (i, s) } else { acc },
                )
                .0;
            let prediction = best.to_string();
            let hit = if prediction == doc.target { 1.0 } else { 0.0 };
            correct += hit;
            let finite: f64 = scores.iter().filter(|s| s.is_finite()).sum();
            total += finite;
            samples.push(Sample {
                doc_id: doc.id.clone(),
                prompt: doc.prompt.clone(),
                target: doc.target.clone(),
                prediction,
                scores: BTreeMap::from([("acc".to_string(), hit), ("score".to_string(), finite)]),
                labels: BTreeMap::new(),
            });
        }
        let acc = correct / docs.len() as f64;
        Ok(TaskOutput {
            samples,
            metrics: vec![
                MetricValue {
                    name: "acc".to_string(),
                    value: acc,
                    ci: Some((acc - 0.1, acc + 0.1)),
                    signature: None,
                },
                MetricValue {
                    name: "score".to_string(),
                    value: total,
                    ci: None,
                    signature: Some("sum|fake".to_string()),
                },
            ],
        })
    }
}

fn ll(context: &str, continuation: &str) -> Request {
    Request::Loglikelihood(LoglikelihoodRequest {
        context: context.to_string(),
        continuation: continuation.to_string(),
    })
}

fn doc(id: String, target: &str, requests: Vec<Request>) -> Doc {
    Doc {
        prompt: format!("prompt of {id}"),
        id,
        target: target.to_string(),
        requests,
    }
}

/// A multiple-choice task: `n` questions of four loglikelihood requests (one `-inf` choice in
/// every fifth question). Questions `i` and `i + n/2` share their text, so requests repeat
/// within the task; tasks built with the same `topic` share requests across tasks.
pub fn choice_task(name: &str, topic: &str, n: usize) -> FakeTask {
    let docs = (0..n)
        .map(|i| {
            let q = i % n.div_ceil(2);
            let context = format!(
                "Question {q} about {topic} with some padding {}:",
                "x".repeat(q % 7)
            );
            let mut choices = [" alpha", " beta gamma", " delta", " epsilon zeta eta"];
            if i.is_multiple_of(5) {
                choices[3] = " impossible";
            }
            let requests = choices.iter().map(|c| ll(&context, c)).collect();
            doc(format!("{name}-{i}"), &(i % 4).to_string(), requests)
        })
        .collect();
    FakeTask {
        name: name.to_string(),
        group: "choice".to_string(),
        language: topic.to_string(),
        docs,
    }
}

/// A task mixing every request kind: rolling, generation, hidden states (two poolings) and
/// tokenization, `n` documents.
pub fn mixed_task(name: &str, n: usize) -> FakeTask {
    let docs = (0..n)
        .map(|i| {
            let text = format!("Sentence number {i} {}", "long ".repeat(i % 5));
            let requests = vec![
                Request::Rolling(RollingRequest { text: text.clone() }),
                Request::Generate(GenerateRequest {
                    context: format!("Translate: {text}"),
                    until: vec!["\n".to_string()],
                    max_new_tokens: 5 + i % 3,
                }),
                Request::HiddenStates(HiddenStatesRequest {
                    text: text.clone(),
                    pooling: Pooling::Mean,
                }),
                Request::HiddenStates(HiddenStatesRequest {
                    text: text.clone(),
                    pooling: Pooling::Last,
                }),
                Request::Tokenize(TokenizeRequest { text }),
            ];
            doc(format!("{name}-{i}"), "1", requests)
        })
        .collect();
    FakeTask {
        name: name.to_string(),
        group: "mixed".to_string(),
        language: "und".to_string(),
        docs,
    }
}

/// The standard task set: two choice tasks sharing a topic (cross-task duplicates), one with
/// another topic, and a mixed task.
pub fn standard_tasks() -> Vec<FakeTask> {
    vec![
        choice_task("choice_fra", "history", 13),
        choice_task("choice_deu", "history", 9),
        choice_task("choice_spa", "science", 11),
        mixed_task("mixed_und", 7),
    ]
}

/// Borrows tasks as trait objects.
pub fn as_dyn(tasks: &[FakeTask]) -> Vec<&dyn Task> {
    tasks.iter().map(|t| t as &dyn Task).collect()
}

/// The distinct requests of `tasks`.
pub fn unique_requests(tasks: &[FakeTask]) -> usize {
    let all: std::collections::HashSet<&Request> = tasks
        .iter()
        .flat_map(|t| t.docs.iter().flat_map(|d| d.requests.iter()))
        .collect();
    all.len()
}

/// A progress receiver that records every event as text.
#[derive(Default)]
pub struct Recorder {
    pub events: Mutex<Vec<String>>,
    pub warnings: Mutex<Vec<String>>,
}

impl Progress for Recorder {
    fn phase_started(&self, phase: &str, total: u64) {
        self.events
            .lock()
            .unwrap()
            .push(format!("start {phase} {total}"));
    }

    fn advanced(&self, update: &ProgressUpdate<'_>) {
        assert!(update.done <= update.total, "{update:?}");
        assert!(update.items_per_second >= 0.0);
        self.events.lock().unwrap().push(format!(
            "advance {} {}/{} tokens:{}",
            update.phase,
            update.done,
            update.total,
            update.tokens_per_second.is_some()
        ));
    }

    fn phase_finished(&self, phase: &str, seconds: f64) {
        assert!(seconds >= 0.0);
        self.events.lock().unwrap().push(format!("finish {phase}"));
    }

    fn warning(&self, message: &str) {
        self.warnings.lock().unwrap().push(message.to_string());
    }
}

/// A table writer that writes the rows as JSON and records the paths it was given.
#[derive(Default)]
pub struct JsonTables {
    pub paths: Mutex<Vec<std::path::PathBuf>>,
}

impl TableWriter for JsonTables {
    fn write_samples(&self, path: &Path, rows: &[SampleRow]) -> Result<(), TableError> {
        self.paths.lock().unwrap().push(path.to_path_buf());
        std::fs::write(path, serde_json::to_string(rows)?)?;
        Ok(())
    }

    fn write_results(&self, path: &Path, rows: &[ResultRow]) -> Result<(), TableError> {
        self.paths.lock().unwrap().push(path.to_path_buf());
        std::fs::write(path, serde_json::to_string(rows)?)?;
        Ok(())
    }
}

/// The model fingerprint the tests run under.
pub const FINGERPRINT: &str = "fake-model-fingerprint";

/// The manifest fields the tests pass.
pub fn identity() -> harness::evaluator::RunIdentity {
    harness::evaluator::RunIdentity {
        babelbench_version: "0.1.0-test".to_string(),
        git_revision: Some("abc123".to_string()),
        model_path: "/models/fake".to_string(),
        model_name: "fake".to_string(),
        threads: 2,
        dataset_checksums: BTreeMap::new(),
        seed: 1234,
        run_config: BTreeMap::from([(
            "tasks".to_string(),
            serde_json::Value::from("choice,mixed"),
        )]),
    }
}

/// How a test run is set up, besides tasks, model and folder.
pub struct Setup<'a> {
    pub batch_size: usize,
    pub unit_size: usize,
    pub shard: Option<harness::evaluator::Shard>,
    pub fingerprint: &'a str,
    pub progress: &'a dyn Progress,
    pub tables: Option<&'a dyn TableWriter>,
}

impl Default for Setup<'_> {
    fn default() -> Self {
        Setup {
            batch_size: 4,
            unit_size: 4,
            shard: None,
            fingerprint: FINGERPRINT,
            progress: &harness::evaluator::NoProgress,
            tables: None,
        }
    }
}

/// Runs `tasks` on `model` into `dir` as `setup` says.
pub fn run_with(
    dir: &Path,
    tasks: &[&dyn Task],
    model: &dyn LanguageModel,
    setup: Setup<'_>,
) -> Result<harness::evaluator::RunReport, harness::evaluator::EvalError> {
    let identity = identity();
    harness::evaluator::run(&harness::evaluator::RunSpec {
        tasks,
        model,
        fingerprint: setup.fingerprint,
        batch_size: std::num::NonZeroUsize::new(setup.batch_size).unwrap(),
        unit_size: std::num::NonZeroUsize::new(setup.unit_size).unwrap(),
        shard: setup.shard,
        output: dir,
        identity: &identity,
        tables: setup.tables,
        progress: setup.progress,
        groups: &[],
    })
}

/// Runs `tasks` on `model` into `dir` with batches of `batch_size` and defaults otherwise.
pub fn run_batched(
    dir: &Path,
    tasks: &[FakeTask],
    model: &dyn LanguageModel,
    batch_size: usize,
) -> Result<harness::evaluator::RunReport, harness::evaluator::EvalError> {
    let setup = Setup {
        batch_size,
        ..Setup::default()
    };
    run_with(dir, &as_dyn(tasks), model, setup)
}

/// The text of `dir/file`.
pub fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

/// The parts of `results.json` that do not depend on when or how fast the run went.
pub fn stable_results_json(dir: &Path) -> serde_json::Value {
    let mut json: serde_json::Value = serde_json::from_str(&read(dir, "results.json")).unwrap();
    let object = json.as_object_mut().unwrap();
    object.remove("date");
    object.remove("total_evaluation_time_seconds");
    json
}
