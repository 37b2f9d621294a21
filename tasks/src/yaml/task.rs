//! A task defined by a YAML file, run through babelbench's [`Task`] contract: documents from the
//! file's dataset, prompts and requests as lm-eval builds them, scores as lm-eval computes them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use harness::request::{GenerateRequest, LoglikelihoodRequest, Request, Response, RollingRequest};
use harness::task::{Doc, MetricValue, Sample, Task, TaskError, TaskOutput};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::dataset::{DataPlaces, Split, load_split};
use super::error::TaskFileError;
use super::jinja::Templates;
use super::native::Localized;
use super::output_language::{OutputLanguage, TARGET_LANGUAGE, is_output_language_metric};
use super::prompt::{Context, Prompter, Resolved, python_str};
use super::pyrandom::PyRandom;
use super::scoring::{
    apply_filter, choice_scores, corpus_metric, count_words, exact_match, mean_metric, perplexity,
    rolling_metric,
};
use super::source::TaskSource;
use super::spec::{FilterSpec, TaskSpec};
use crate::ci::BootstrapSettings;
use crate::config::TaskConfig;
use crate::mexa::{alignment_doc, score_alignment};
use crate::responses::{check_shape, generation, loglikelihood, rolling};
use crate::tokenizer_premium::{premium_doc, score_premium};

/// lm-eval's default `fewshot_random_seed` (`simple_evaluate`).
pub const FEWSHOT_SEED: u64 = 1234;

/// lm-eval's default `max_gen_toks`.
const DEFAULT_MAX_GEN_TOKS: usize = 256;

/// A task read from a YAML file.
#[derive(Debug)]
pub struct YamlTask {
    source: TaskSource,
    spec: TaskSpec,
    group: String,
    language: String,
    config: TaskConfig,
    places: DataPlaces,
    templates: Templates,
    eval: OnceLock<Split>,
    /// The few-shot split, when it is another split than the evaluated one.
    fewshot: OnceLock<Split>,
    /// What `--prompt-language` made of the prompt.
    prompt: Localized,
}

impl YamlTask {
    /// The task of `source` (already checked by [`TaskSpec::from_source`]), reported under
    /// `group`.
    pub fn new(
        source: TaskSource,
        spec: TaskSpec,
        group: String,
        config: TaskConfig,
        places: DataPlaces,
    ) -> Self {
        let language = spec
            .metadata_str("flores_language")
            .or_else(|| spec.metadata_str("language"))
            .map(str::to_string)
            .or_else(|| spec.dataset_name.clone())
            .unwrap_or_else(|| "und".into());
        YamlTask {
            source,
            spec,
            group,
            language,
            config,
            places,
            templates: Templates::new(),
            eval: OnceLock::new(),
            fewshot: OnceLock::new(),
            prompt: Localized::English,
        }
    }

    /// The task with `prompt` recorded as what its native prompt became.
    pub fn with_prompt(mut self, prompt: Localized) -> Self {
        self.prompt = prompt;
        self
    }

    /// What `--prompt-language` made of the prompt: English, native, or English for want of
    /// native words.
    pub fn prompt(&self) -> &Localized {
        &self.prompt
    }

    /// The task file.
    pub fn path(&self) -> &PathBuf {
        &self.source.path
    }

    /// The config.
    pub fn spec(&self) -> &TaskSpec {
        &self.spec
    }

    fn config_error(&self, error: TaskFileError) -> TaskError {
        TaskError::Config {
            task: self.spec.task.clone(),
            message: error.to_string(),
        }
    }

    fn row_error(&self, split: &str, row: usize, message: String) -> TaskError {
        self.config_error(TaskFileError::Row {
            task: self.spec.task.clone(),
            file: self.source.path.clone(),
            split: split.to_string(),
            row,
            message,
        })
    }

    fn eval_split(&self) -> Result<&Split, TaskError> {
        if let Some(split) = self.eval.get() {
            return Ok(split);
        }
        let split = load_split(
            &self.spec,
            &self.source,
            &self.places,
            self.spec.eval_split(),
        )
        .map_err(|e| self.config_error(e))?;
        if split.rows.is_empty() {
            return Err(self.config_error(self.source.error_at(
                "test_split",
                format!("split `{}` has no documents", self.spec.eval_split()),
            )));
        }
        Ok(self.eval.get_or_init(|| split))
    }

    /// The split `name` few-shot examples come from, read once.
    fn fewshot_split(&self, name: &str) -> Result<&Split, TaskError> {
        if name == self.spec.eval_split() {
            return self.eval_split();
        }
        if let Some(split) = self.fewshot.get() {
            return Ok(split);
        }
        let split = load_split(&self.spec, &self.source, &self.places, name)
            .map_err(|e| self.config_error(e))?;
        Ok(self.fewshot.get_or_init(|| split))
    }

    fn prompter<'a>(&'a self, split: &'a Split) -> Result<Prompter<'a>, TaskError> {
        let mut prompter = Prompter {
            spec: &self.spec,
            templates: &self.templates,
            columns: &split.columns,
            multiple_input: false,
            format: &self.config.prompt,
        };
        // lm-eval decides from the first document: an index from doc_to_text means the
        // choices are the contexts.
        if self.spec.doc_to_choice.is_some() {
            let first = Value::Object(split.rows[0].clone());
            let text = prompter
                .text(None, &first)
                .map_err(|m| self.row_error(self.spec.eval_split(), 0, m))?;
            prompter.multiple_input = matches!(text, Resolved::Index(_));
        }
        Ok(prompter)
    }

    /// The first `--limit` rows, else the first `default_limit`, else all.
    fn apply_limit<T>(&self, mut rows: Vec<T>) -> Vec<T> {
        if let Some(limit) = self.config.limit.or(self.spec.default_limit) {
            rows.truncate(limit);
        }
        rows
    }

    fn num_fewshot(&self) -> usize {
        self.config
            .num_fewshot
            .or(self.spec.num_fewshot)
            .unwrap_or(0)
    }

    /// The few-shot pool and whether each document is kept out of its own examples.
    fn fewshot_pool(&self) -> Result<(Vec<Value>, bool), TaskError> {
        let (split, excludes) = self.spec.fewshot_source();
        let fewshot = self.spec.fewshot_config.as_ref();
        let mut pool: Vec<Value> = match fewshot.and_then(|f| f.samples.clone()) {
            Some(samples)
                if fewshot.is_some_and(|f| f.split.is_none())
                    && self.spec.fewshot_split.is_none() =>
            {
                samples.into_iter().map(Value::Object).collect()
            }
            _ => self
                .fewshot_split(&split)?
                .rows
                .iter()
                .cloned()
                .map(Value::Object)
                .collect(),
        };
        if let Some(indices) = fewshot.and_then(|f| f.fewshot_indices.as_ref()) {
            pool = indices
                .iter()
                .map(|&i| {
                    pool.get(i).cloned().ok_or_else(|| {
                        self.config_error(self.source.error_at(
                            "fewshot_config",
                            format!(
                                "fewshot_indices names row {i}, but the pool has {} rows",
                                pool.len()
                            ),
                        ))
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        Ok((pool, excludes))
    }

    /// The few-shot examples of `doc`, drawn as lm-eval's sampler draws them.
    fn examples<'p>(
        &self,
        pool: &'p [Value],
        doc: &Value,
        exclude: bool,
        k: usize,
        rng: &mut PyRandom,
    ) -> Result<Vec<&'p Value>, String> {
        if k == 0 {
            return Ok(Vec::new());
        }
        let sampler = self
            .spec
            .fewshot_config
            .as_ref()
            .map_or("default", |f| f.sampler.as_str());
        let others = |candidates: Vec<&'p Value>| -> Vec<&'p Value> {
            candidates
                .into_iter()
                .filter(|x| !exclude || *x != doc)
                .collect()
        };
        let too_few = |available: usize| {
            format!(
                "{k} few-shot examples asked, but the few-shot split holds {available}; use fewer"
            )
        };
        if sampler == "first_n" {
            let pool = others(pool.iter().collect());
            if k > pool.len() {
                return Err(too_few(pool.len()));
            }
            return Ok(pool[..k].to_vec());
        }
        let draw = if exclude { k + 1 } else { k };
        if draw > pool.len() {
            return Err(too_few(pool.len()));
        }
        let mut chosen: Vec<&Value> = others(
            rng.sample(pool.len(), draw)
                .into_iter()
                .map(|i| &pool[i])
                .collect(),
        );
        chosen.truncate(k);
        if chosen.len() < k {
            let rest = others(pool.iter().collect());
            if k > rest.len() {
                return Err(too_few(rest.len()));
            }
            chosen = rng
                .sample(rest.len(), k)
                .into_iter()
                .map(|i| rest[i])
                .collect();
        }
        Ok(chosen)
    }

    /// The requests of one document.
    fn requests(
        &self,
        prompter: &Prompter<'_>,
        doc: &Value,
        context: Context,
    ) -> Result<(Vec<Request>, String), String> {
        let spec = &self.spec;
        // Under a chat template the choices follow the rendered turn directly, unless a
        // gen_prefix without trailing whitespace ends it (lm-eval's construct_requests).
        let delimiter = match (
            &self.config.prompt.chat_template,
            spec.gen_prefix.as_deref(),
        ) {
            (None, _) => spec.target_delimiter.as_str(),
            (Some(_), Some(prefix))
                if !prefix.is_empty() && !prefix.ends_with(char::is_whitespace) =>
            {
                spec.target_delimiter.as_str()
            }
            (Some(_), _) => "",
        };
        let loglikelihood = |context: &str, continuation: String| {
            Request::Loglikelihood(LoglikelihoodRequest {
                context: context.to_string(),
                continuation,
            })
        };
        match (spec.output_type.as_str(), context) {
            ("multiple_choice", Context::One(ctx)) => {
                let choices = prompter.choices(None, doc)?;
                let requests = choices
                    .iter()
                    .map(|c| loglikelihood(&ctx, format!("{delimiter}{c}")))
                    .collect();
                Ok((requests, ctx))
            }
            ("multiple_choice", Context::PerChoice(contexts)) => {
                let target = match prompter.target(None, doc)? {
                    Resolved::Text(t) => t,
                    other => {
                        return Err(format!(
                            "a multiple-input task's target must be text, found {other:?}"
                        ));
                    }
                };
                let requests = contexts
                    .iter()
                    .map(|ctx| loglikelihood(ctx, format!("{delimiter}{target}")))
                    .collect();
                Ok((requests, contexts.first().cloned().unwrap_or_default()))
            }
            ("loglikelihood", Context::One(ctx)) => {
                let target = text_target(prompter.target(None, doc)?)?;
                Ok((vec![loglikelihood(&ctx, target)], ctx))
            }
            ("loglikelihood_rolling", _) => {
                let text = text_target(prompter.target(None, doc)?)?;
                Ok((
                    vec![Request::Rolling(RollingRequest { text })],
                    String::new(),
                ))
            }
            ("generate_until", Context::One(ctx)) => {
                let kwargs = spec.generation_kwargs.as_ref();
                let until = kwargs
                    .and_then(|k| k.until.as_ref())
                    .map(|u| u.to_vec())
                    .unwrap_or_else(|| vec![spec.fewshot_delimiter.clone()]);
                let mut max_new_tokens = kwargs
                    .and_then(|k| k.max_gen_toks)
                    .unwrap_or(DEFAULT_MAX_GEN_TOKS);
                if let Some(cap) = self.config.max_new_tokens {
                    max_new_tokens = max_new_tokens.min(cap);
                }
                let request = Request::Generate(GenerateRequest {
                    context: ctx.clone(),
                    until,
                    max_new_tokens,
                });
                Ok((vec![request], ctx))
            }
            (kind, _) => Err(format!(
                "output_type {kind} does not take a multiple-input document"
            )),
        }
    }

    /// The gold choice indices of a multiple-choice document.
    fn gold(
        &self,
        prompter: &Prompter<'_>,
        doc: &Value,
        choices: &[String],
    ) -> Result<Vec<usize>, String> {
        let gold = if prompter.multiple_input {
            prompter.text(None, doc)?
        } else {
            prompter.target(None, doc)?
        };
        let index = |value: &Value| -> Result<usize, String> {
            match value {
                Value::Number(n) => n
                    .as_u64()
                    .map(|n| n as usize)
                    .filter(|&n| n < choices.len())
                    .ok_or_else(|| format!("target {n} is outside the {} choices", choices.len())),
                Value::String(s) => choices
                    .iter()
                    .position(|c| c == s)
                    .ok_or_else(|| format!("target {s:?} is none of the choices {choices:?}")),
                other => Err(format!("target {other} is neither an index nor a choice")),
            }
        };
        match gold {
            Resolved::Index(i) => index(&Value::from(i)).map(|g| vec![g]),
            Resolved::Text(t) => index(&Value::String(t)).map(|g| vec![g]),
            Resolved::List(items) => items.iter().map(index).collect(),
            Resolved::Other(other) => index(&other).map(|g| vec![g]),
        }
    }

    /// The documents of babelbench's parallel-text output types (`alignment`: MEXA,
    /// `tokenizer_premium`): `doc_to_text` is a sentence, `doc_to_target` its English
    /// translation. `None` for the other output types.
    fn pair_docs(&self, split: &Split) -> Result<Option<Vec<Doc>>, TaskError> {
        let alignment = match self.spec.output_type.as_str() {
            "alignment" => true,
            "tokenizer_premium" => false,
            _ => return Ok(None),
        };
        let prompter = self.prompter(split)?;
        let split_name = self.spec.eval_split();
        let rows: Vec<(usize, &serde_json::Map<String, Value>)> =
            self.apply_limit(split.rows.iter().enumerate().collect());
        if alignment && rows.len() < 2 {
            return Err(self.config_error(self.source.error_at(
                "output_type",
                format!(
                    "alignment needs at least 2 sentence pairs; the split gives {}{}",
                    rows.len(),
                    if self.config.limit.is_some() {
                        " (raise --limit)"
                    } else {
                        ""
                    }
                ),
            )));
        }
        rows.into_iter()
            .map(|(index, row)| {
                let doc = Value::Object(row.clone());
                let pair = || -> Result<(String, String), String> {
                    let text = text_target(prompter.text(None, &doc)?)?;
                    let pivot = text_target(prompter.target(None, &doc)?)?;
                    Ok((text, pivot))
                };
                let (text, pivot) = pair().map_err(|m| self.row_error(split_name, index, m))?;
                Ok(if alignment {
                    alignment_doc(index.to_string(), &text, &pivot)
                } else {
                    premium_doc(index.to_string(), text, pivot)
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn doc_row(&self, doc: &Doc) -> Result<(usize, Value), TaskError> {
        let split = self.eval_split()?;
        let row = doc
            .id
            .parse::<usize>()
            .ok()
            .filter(|&r| r < split.rows.len())
            .ok_or_else(|| TaskError::BadResponse {
                task: self.spec.task.clone(),
                doc_id: doc.id.clone(),
                message: "no such document in the task's split; the documents were not built by this task".into(),
            })?;
        Ok((row, Value::Object(split.rows[row].clone())))
    }
}

/// The reference texts of a target: the choice an index names (when the task has choices),
/// every item of a list, or the target itself as Python prints it.
fn references(
    prompter: &Prompter<'_>,
    doc: &Value,
    target: Resolved,
) -> Result<Vec<String>, String> {
    Ok(match target {
        Resolved::Index(i) if prompter.spec.doc_to_choice.is_some() => {
            let choices = prompter.choices(None, doc)?;
            let choice = usize::try_from(i).ok().and_then(|i| choices.get(i));
            vec![
                choice
                    .cloned()
                    .ok_or_else(|| format!("target {i} is outside the choices"))?,
            ]
        }
        Resolved::Index(i) => vec![i.to_string()],
        Resolved::Text(t) => vec![t],
        Resolved::List(items) => items.iter().map(python_str).collect(),
        Resolved::Other(v) => vec![python_str(&v)],
    })
}

/// A target that must be text (`loglikelihood`, `loglikelihood_rolling`).
fn text_target(target: Resolved) -> Result<String, String> {
    match target {
        Resolved::Text(t) => Ok(t),
        other => Err(format!("the target must be text, found {other:?}")),
    }
}

impl Task for YamlTask {
    fn name(&self) -> &str {
        &self.spec.task
    }

    fn group(&self) -> &str {
        &self.group
    }

    fn language(&self) -> &str {
        &self.language
    }

    /// `yaml|<task>|config=<sha256 of the resolved fields, 12 hex>|fewshot=<k>|<limit>`, then
    /// the chat template and system instruction when set, and `|prompt=<language>` for a native
    /// prompt: editing any field of the file or its bases, or the prompt layout, changes it.
    fn signature(&self) -> String {
        let resolved = serde_json::to_string(&self.source.fields).unwrap_or_default();
        let digest = Sha256::digest(resolved.as_bytes());
        // Rolling log-likelihoods and babelbench's parallel-text types have no prompt to lay out.
        let mut prompt_label = match self.spec.output_type.as_str() {
            "multiple_choice" | "loglikelihood" | "generate_until" => self.config.prompt.label(),
            _ => String::new(),
        };
        if let Localized::Native(language) = &self.prompt {
            prompt_label.push_str(&format!("|prompt={language}"));
        }
        format!(
            "yaml|{}|config={}|version={}|fewshot={}|seed={FEWSHOT_SEED}|{}{}",
            self.spec.task,
            hex::encode(&digest[..6]),
            self.spec.version().unwrap_or_else(|| "none".into()),
            self.num_fewshot(),
            self.config.limit_label(),
            prompt_label
        )
    }

    fn docs(&self) -> Result<Vec<Doc>, TaskError> {
        let split = self.eval_split()?;
        if let Some(docs) = self.pair_docs(split)? {
            return Ok(docs);
        }
        let prompter = self.prompter(split)?;
        let k = self.num_fewshot();
        let (pool, exclude) = if k > 0 {
            self.fewshot_pool()?
        } else {
            (Vec::new(), false)
        };
        let mut rng = PyRandom::new(FEWSHOT_SEED);
        let split_name = self.spec.eval_split();
        let rows: Vec<(usize, &serde_json::Map<String, Value>)> =
            self.apply_limit(split.rows.iter().enumerate().collect());
        rows.into_iter()
            .map(|(index, row)| {
                let doc = Value::Object(row.clone());
                let mut build = || -> Result<Doc, String> {
                    let examples = self.examples(&pool, &doc, exclude, k, &mut rng)?;
                    let context = prompter.context(&doc, &examples)?;
                    let (requests, prompt) = self.requests(&prompter, &doc, context)?;
                    if self.spec.output_type == "multiple_choice" {
                        // A gold answer outside the choices fails before any model work.
                        self.gold(&prompter, &doc, &prompter.choices(None, &doc)?)?;
                    }
                    let target = match prompter.target(None, &doc)? {
                        Resolved::List(items) => python_str(&Value::Array(items)),
                        one => references(&prompter, &doc, one)?.remove(0),
                    };
                    Ok(Doc {
                        id: index.to_string(),
                        prompt,
                        target,
                        requests,
                    })
                };
                build().map_err(|m| self.row_error(split_name, index, m))
            })
            .collect()
    }

    fn data_files(&self) -> Result<Vec<PathBuf>, TaskError> {
        let mut files = self.eval_split()?.files.clone();
        let (split, _) = self.spec.fewshot_source();
        let inline = self
            .spec
            .fewshot_config
            .as_ref()
            .is_some_and(|f| f.samples.is_some());
        if self.num_fewshot() > 0 && split != self.spec.eval_split() && !inline {
            let fewshot = self.fewshot_split(&split)?;
            files.extend(
                fewshot
                    .files
                    .iter()
                    .filter(|f| !files.contains(f))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
        }
        Ok(files)
    }

    fn evaluate(&self, docs: &[Doc], responses: &[Vec<Response>]) -> Result<TaskOutput, TaskError> {
        match self.spec.output_type.as_str() {
            "alignment" => return score_alignment(&self.spec.task, docs, responses),
            "tokenizer_premium" => {
                let settings = BootstrapSettings::from_config(&self.config);
                return score_premium(&self.spec.task, docs, responses, &settings);
            }
            _ => {}
        }
        check_shape(&self.spec.task, docs, responses)?;
        let split = self.eval_split()?;
        let prompter = self.prompter(split)?;
        let settings = BootstrapSettings::from_config(&self.config);
        let metrics = self.spec.metrics();
        let name = self.spec.task.as_str();
        let split_name = self.spec.eval_split();
        let mut samples = Vec::with_capacity(docs.len());
        let mut per_sample: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut out_metrics: Vec<MetricValue> = Vec::new();
        match self.spec.output_type.as_str() {
            "multiple_choice" => {
                for (doc, answers) in docs.iter().zip(responses) {
                    let (row, value) = self.doc_row(doc)?;
                    let choices = prompter
                        .choices(None, &value)
                        .map_err(|m| self.row_error(split_name, row, m))?;
                    let gold = self
                        .gold(&prompter, &value, &choices)
                        .map_err(|m| self.row_error(split_name, row, m))?;
                    let mut logprobs = Vec::new();
                    let mut greedy = Vec::new();
                    for (i, answer) in answers.iter().enumerate() {
                        let r = loglikelihood(name, doc, i, answer)?;
                        logprobs.push(r.logprob);
                        greedy.push(r.is_greedy);
                    }
                    let (predicted, scores) =
                        choice_scores(&metrics, &choices, &logprobs, &greedy, &gold);
                    for (metric, value) in &scores {
                        per_sample.entry(metric.clone()).or_default().push(*value);
                    }
                    samples.push(Sample::of(
                        doc,
                        choices.get(predicted).cloned().unwrap_or_default(),
                        scores,
                    ));
                }
                for metric in &metrics {
                    if let Some(values) = per_sample.get(&metric.metric) {
                        out_metrics.push(mean_metric(&metric.metric, values, &settings));
                    }
                }
            }
            "loglikelihood" => {
                let mut logprobs = Vec::new();
                for (doc, answers) in docs.iter().zip(responses) {
                    let r = loglikelihood(name, doc, 0, &answers[0])?;
                    logprobs.push(r.logprob);
                    let acc = f64::from(u8::from(r.is_greedy));
                    per_sample.entry("acc".into()).or_default().push(acc);
                    let scores = BTreeMap::from([
                        ("acc".to_string(), acc),
                        ("logprob".to_string(), r.logprob),
                    ]);
                    samples.push(Sample::of(doc, String::new(), scores));
                }
                for metric in &metrics {
                    match metric.metric.as_str() {
                        "perplexity" => out_metrics.push(perplexity(&logprobs, &settings)),
                        "acc" => {
                            out_metrics.push(mean_metric("acc", &per_sample["acc"], &settings))
                        }
                        _ => {}
                    }
                }
            }
            "loglikelihood_rolling" => {
                let (mut logprobs, mut words, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
                for (doc, answers) in docs.iter().zip(responses) {
                    let r = rolling(name, doc, 0, &answers[0])?;
                    let text = match &doc.requests[0] {
                        Request::Rolling(request) => request.text.as_str(),
                        _ => "",
                    };
                    logprobs.push(r.logprob);
                    words.push(count_words(text) as f64);
                    bytes.push(text.len() as f64);
                    let size = text.len() as f64;
                    let scores = BTreeMap::from([
                        (
                            "bpb".to_string(),
                            -r.logprob / size / std::f64::consts::LN_2,
                        ),
                        ("nll".to_string(), -r.logprob),
                        ("bytes".to_string(), size),
                        ("tokens".to_string(), r.num_tokens as f64),
                    ]);
                    samples.push(Sample::of(doc, String::new(), scores));
                }
                for metric in &metrics {
                    if let Some(value) =
                        rolling_metric(&metric.metric, &logprobs, &words, &bytes, &settings)
                    {
                        out_metrics.push(value);
                    }
                }
            }
            "generate_until" => {
                let filters = self.spec.filter_list.clone().unwrap_or_else(|| {
                    vec![FilterSpec {
                        name: "none".into(),
                        filter: Vec::new(),
                    }]
                });
                let mut answers_by_filter: Vec<Vec<String>> = vec![Vec::new(); filters.len()];
                let mut golds = Vec::new();
                for (doc, answers) in docs.iter().zip(responses) {
                    let (row, value) = self.doc_row(doc)?;
                    let generated = generation(name, doc, 0, &answers[0])?.text.clone();
                    let gold = prompter
                        .target(None, &value)
                        .and_then(|target| references(&prompter, &value, target))
                        .map_err(|m| self.row_error(split_name, row, m))?;
                    let mut scores = BTreeMap::new();
                    let mut prediction = None;
                    for (f, filter) in filters.iter().enumerate() {
                        let answer = apply_filter(filter, &generated)
                            .map_err(|m| self.row_error(split_name, row, m))?;
                        for metric in metrics.iter().filter(|m| m.metric == "exact_match") {
                            let mut hit = false;
                            for reference in &gold {
                                hit |= exact_match(metric, &answer, reference)
                                    .map_err(|m| self.row_error(split_name, row, m))?;
                            }
                            let value = f64::from(u8::from(hit));
                            let key = metric_key(&metric.metric, &filter.name);
                            per_sample.entry(key.clone()).or_default().push(value);
                            scores.insert(key, value);
                        }
                        prediction.get_or_insert_with(|| answer.clone());
                        answers_by_filter[f].push(answer);
                    }
                    golds.push(gold.into_iter().next().unwrap_or_default());
                    samples.push(Sample::of(doc, prediction.unwrap_or(generated), scores));
                }
                let target = self.spec.metadata_str(TARGET_LANGUAGE);
                let checks_language = metrics.iter().any(|m| is_output_language_metric(&m.metric));
                for (f, filter) in filters.iter().enumerate() {
                    let languages = target
                        .filter(|_| checks_language)
                        .map(|t| OutputLanguage::identify(t, &answers_by_filter[f]));
                    if let Some(languages) = &languages {
                        languages.label(&mut samples, &metric_key("", &filter.name));
                    }
                    for metric in &metrics {
                        let key = metric_key(&metric.metric, &filter.name);
                        let value = match metric.metric.as_str() {
                            "exact_match" => mean_metric(&key, &per_sample[&key], &settings),
                            name if is_output_language_metric(name) => {
                                // The file check makes sure a target language is named.
                                let Some(languages) = &languages else {
                                    continue;
                                };
                                let found = languages
                                    .metric(name, &key, &answers_by_filter[f], &golds, &settings)
                                    .map_err(|m| {
                                        self.config_error(self.source.error_at("metric_list", m))
                                    })?;
                                let Some((value, scores)) = found else {
                                    continue;
                                };
                                for (sample, score) in samples.iter_mut().zip(scores) {
                                    sample.scores.insert(key.clone(), score);
                                }
                                value
                            }
                            _ => {
                                let (value, sentences) = corpus_metric(
                                    metric,
                                    &key,
                                    &answers_by_filter[f],
                                    &golds,
                                    &settings,
                                )
                                .map_err(|m| {
                                    self.config_error(self.source.error_at("metric_list", m))
                                })?;
                                for (sample, score) in
                                    samples.iter_mut().zip(sentences.iter().flatten())
                                {
                                    sample.scores.insert(key.clone(), *score);
                                }
                                value
                            }
                        };
                        out_metrics.push(value);
                    }
                }
            }
            other => unreachable!("output type {other} is scored above or refused by the spec"),
        }
        Ok(TaskOutput {
            samples,
            metrics: out_metrics,
        })
    }
}

/// lm-eval's result key of a metric under a filter: `metric,filter`, or the plain name for the
/// unfiltered pipeline.
fn metric_key(metric: &str, filter: &str) -> String {
    if filter == "none" {
        metric.to_string()
    } else {
        format!("{metric},{filter}")
    }
}
