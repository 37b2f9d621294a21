//! The fields of an lm-evaluation-harness task config (`TaskConfig` in lm-eval 0.4.13) that
//! babelbench reads, with lm-eval's defaults, and babelbench's own output types. Unknown fields
//! and values babelbench cannot honour are errors naming the field.

use std::collections::BTreeMap;

use harness::data::{CsvOptions, DataFilesSpec, OneOrMany};

use crate::metrics::BleuTokenizer;
use serde::Deserialize;
use serde_json::Value;

use super::error::TaskFileError;
use super::source::TaskSource;

/// A task file's config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    /// The task name.
    pub task: String,
    /// Display name in lm-eval's tables.
    #[serde(default)]
    pub task_alias: Option<String>,
    /// Tags (lm-eval's lightweight groups) the task belongs to.
    #[serde(default)]
    pub tag: Option<OneOrMany>,
    /// A Hub dataset id (`facebook/belebele`), a local builder (`json`, `csv`, `parquet`,
    /// `text`), or babelbench's `parallel` (aligned line files, one column each).
    pub dataset_path: String,
    /// The Hub config (often a language code).
    #[serde(default)]
    pub dataset_name: Option<String>,
    /// `data_files` for a local builder or to override a Hub snapshot's files.
    #[serde(default)]
    pub dataset_kwargs: Option<DatasetKwargs>,
    /// Split names.
    #[serde(default)]
    pub training_split: Option<String>,
    /// The validation split.
    #[serde(default)]
    pub validation_split: Option<String>,
    /// The test split.
    #[serde(default)]
    pub test_split: Option<String>,
    /// Where few-shot examples come from.
    #[serde(default)]
    pub fewshot_split: Option<String>,
    /// The prompt: a Jinja template, a column name, or (multiple input) an index.
    #[serde(default)]
    pub doc_to_text: Option<Field>,
    /// The answer: a Jinja template, a column name, an index or a list.
    #[serde(default)]
    pub doc_to_target: Option<Field>,
    /// The choices: a Jinja template of a list, a column name, a list, or a mapping.
    #[serde(default)]
    pub doc_to_choice: Option<Field>,
    /// Rendered before the few-shot examples.
    #[serde(default)]
    pub description: Option<String>,
    /// Between a prompt and its answer.
    #[serde(default = "default_target_delimiter")]
    pub target_delimiter: String,
    /// After each few-shot example.
    #[serde(default = "default_fewshot_delimiter")]
    pub fewshot_delimiter: String,
    /// How few-shot examples are drawn and formatted.
    #[serde(default)]
    pub fewshot_config: Option<FewshotSpec>,
    /// Few-shot examples per prompt (`--num-fewshot` overrides it).
    #[serde(default)]
    pub num_fewshot: Option<usize>,
    /// A prefix of the answer, after the prompt.
    #[serde(default)]
    pub gen_prefix: Option<String>,
    /// The metrics.
    #[serde(default)]
    pub metric_list: Option<Vec<MetricSpec>>,
    /// `multiple_choice`, `loglikelihood`, `loglikelihood_rolling`, `generate_until`, or
    /// babelbench's `alignment` (MEXA) and `tokenizer_premium`, which read a sentence
    /// (`doc_to_text`) and its English translation (`doc_to_target`) and compute fixed metrics.
    #[serde(default = "default_output_type")]
    pub output_type: String,
    /// Generation settings (greedy only).
    #[serde(default)]
    pub generation_kwargs: Option<GenerationKwargs>,
    /// Answers per prompt (1: greedy decoding gives the same answer every time).
    #[serde(default = "default_repeats")]
    pub repeats: usize,
    /// How generated text is reduced to an answer.
    #[serde(default)]
    pub filter_list: Option<Vec<FilterSpec>>,
    /// Decontamination switch (read, not used).
    #[serde(default)]
    pub should_decontaminate: Option<bool>,
    /// Decontamination query (read, not used).
    #[serde(default)]
    pub doc_to_decontamination_query: Option<Value>,
    /// Code execution (refused when true).
    #[serde(default)]
    pub unsafe_code: Option<bool>,
    /// babelbench's: the documents evaluated when `--limit` is not given (the first N rows of
    /// the split; MEXA's recipe aligns 100 sentences). `--limit` replaces it.
    #[serde(default)]
    pub default_limit: Option<usize>,
    /// Free-form; babelbench reads `version`, and reports results under `flores_language` (a
    /// FLORES-200 code, so that reports group the task with the built-in ones), else
    /// `language`, else `dataset_name`.
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, Value>>,
}

/// `dataset_kwargs`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetKwargs {
    /// Files per split.
    #[serde(default)]
    pub data_files: Option<DataFilesSpec>,
    /// Accepted and ignored (nothing is executed).
    #[serde(default)]
    pub trust_remote_code: Option<bool>,
    /// babelbench's `dataset_path: parallel`: the column name of each file of a split, in
    /// `data_files` order (line `i` of every file makes row `i`).
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// `dataset_path: parallel` over table files (`.tsv`, `.csv`, `.jsonl`, ...): the column
    /// each file contributes (default `text`).
    #[serde(default)]
    pub text_column: Option<String>,
    /// `dataset_path: parallel` over table files: a column (such as a sentence id) that must
    /// hold the same value in row `i` of every file, or the split is refused as not parallel.
    #[serde(default)]
    pub align_on: Option<String>,
    /// The CSV builder's field separator (one character; `datasets`' `delimiter`).
    #[serde(default)]
    pub delimiter: Option<String>,
    /// The CSV builder's quoting, as Python's `csv` module numbers it: 0 (`"` quotes fields,
    /// the default) or 3 (`QUOTE_NONE`: quotes are text).
    #[serde(default)]
    pub quoting: Option<u8>,
}

impl DatasetKwargs {
    /// How the CSV builder splits files: `delimiter` (one ASCII character) and `quoting`
    /// (0 or 3), or what is wrong with them.
    pub fn csv_options(&self) -> Result<CsvOptions, String> {
        let delimiter = match self.delimiter.as_deref() {
            None => None,
            Some(d) if d.len() == 1 && d.is_ascii() => Some(d.as_bytes()[0]),
            Some(d) => return Err(format!("delimiter {d:?} is not one ASCII character")),
        };
        let quoted = match self.quoting {
            None | Some(0) => true,
            Some(3) => false,
            Some(q) => {
                return Err(format!(
                    "quoting {q} is not 0 (QUOTE_MINIMAL) or 3 (QUOTE_NONE), the modes babelbench reads"
                ));
            }
        };
        Ok(CsvOptions { delimiter, quoted })
    }
}

/// A `doc_to_*` field.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Field {
    /// A Jinja template or a column name.
    Text(String),
    /// A fixed index.
    Index(i64),
    /// A fixed list (of choices or targets).
    List(Vec<Value>),
    /// A mapping whose values are the choices.
    Map(serde_json::Map<String, Value>),
}

/// `fewshot_config`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FewshotSpec {
    /// `default` (seeded random, as lm-eval) or `first_n`.
    #[serde(default = "default_sampler")]
    pub sampler: String,
    /// Overrides `fewshot_split`.
    #[serde(default)]
    pub split: Option<String>,
    /// Fixed examples, when no split is named.
    #[serde(default)]
    pub samples: Option<Vec<serde_json::Map<String, Value>>>,
    /// Indices into the few-shot pool that are kept.
    #[serde(default)]
    pub fewshot_indices: Option<Vec<usize>>,
    /// Overrides of the formatting for the examples.
    #[serde(default)]
    pub doc_to_text: Option<Field>,
    /// Overrides `doc_to_choice` for the examples.
    #[serde(default)]
    pub doc_to_choice: Option<Field>,
    /// Overrides `doc_to_target` for the examples.
    #[serde(default)]
    pub doc_to_target: Option<Field>,
    /// Overrides `gen_prefix` for the examples.
    #[serde(default)]
    pub gen_prefix: Option<String>,
    /// Overrides `fewshot_delimiter` for the examples.
    #[serde(default)]
    pub fewshot_delimiter: Option<String>,
    /// Overrides `target_delimiter` for the examples.
    #[serde(default)]
    pub target_delimiter: Option<String>,
}

/// One entry of `metric_list`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    /// The metric name.
    pub metric: String,
    /// `mean` (the default for every metric babelbench computes per sample).
    #[serde(default)]
    pub aggregation: Option<String>,
    /// Direction (read, reported).
    #[serde(default)]
    pub higher_is_better: Option<bool>,
    /// `exact_match`: compare lowercased.
    #[serde(default)]
    pub ignore_case: bool,
    /// `exact_match`: drop ASCII punctuation first.
    #[serde(default)]
    pub ignore_punctuation: bool,
    /// `exact_match`: drop ASCII digits first.
    #[serde(default)]
    pub ignore_numbers: bool,
    /// `exact_match`: regexes whose matches are removed first.
    #[serde(default)]
    pub regexes_to_ignore: Option<Vec<String>>,
    /// `bleu`: sacrebleu's tokenizer (`13a`, the default; `zh`; `char`).
    #[serde(default)]
    pub tokenize: Option<String>,
}

impl MetricSpec {
    /// The metric `name` with lm-eval's default options.
    pub fn named(name: &str) -> MetricSpec {
        MetricSpec {
            metric: name.to_string(),
            aggregation: None,
            higher_is_better: None,
            ignore_case: false,
            ignore_punctuation: false,
            ignore_numbers: false,
            regexes_to_ignore: None,
            tokenize: None,
        }
    }
}

/// `generation_kwargs`: greedy decoding only.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerationKwargs {
    /// Stop strings.
    #[serde(default)]
    pub until: Option<OneOrMany>,
    /// Most generated tokens (lm-eval's default: 256).
    #[serde(default)]
    pub max_gen_toks: Option<usize>,
    /// Must be false.
    #[serde(default)]
    pub do_sample: Option<bool>,
    /// Must be 0.
    #[serde(default)]
    pub temperature: Option<f64>,
    /// Ignored under greedy decoding only if 1.
    #[serde(default)]
    pub top_p: Option<f64>,
    /// Ignored under greedy decoding.
    #[serde(default)]
    pub top_k: Option<i64>,
}

/// One entry of `filter_list`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterSpec {
    /// The filter pipeline's name (the metric's key: `exact_match,NAME`).
    pub name: String,
    /// The steps.
    pub filter: Vec<FilterStep>,
}

/// One step of a filter pipeline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterStep {
    /// `regex`, `take_first`, `remove_whitespace`, `lowercase`, `uppercase`, `map`.
    pub function: String,
    /// `regex`: the pattern (Python `re` syntax).
    #[serde(default)]
    pub regex_pattern: Option<String>,
    /// `regex`: which match (negative counts from the end).
    #[serde(default)]
    pub group_select: Option<i64>,
    /// `regex`: the answer when nothing matches.
    #[serde(default)]
    pub fallback: Option<String>,
    /// `map`: the mapping.
    #[serde(default)]
    pub mapping_dict: Option<BTreeMap<String, Value>>,
    /// `map`: the value of unmapped answers.
    #[serde(default)]
    pub default_value: Option<Value>,
}

fn default_target_delimiter() -> String {
    " ".into()
}

fn default_fewshot_delimiter() -> String {
    "\n\n".into()
}

fn default_output_type() -> String {
    "generate_until".into()
}

fn default_repeats() -> usize {
    1
}

fn default_sampler() -> String {
    "default".into()
}

/// The output types babelbench runs.
pub const OUTPUT_TYPES: [&str; 6] = [
    "multiple_choice",
    "loglikelihood",
    "loglikelihood_rolling",
    "generate_until",
    "alignment",
    "tokenizer_premium",
];

impl TaskSpec {
    /// The config of `source`, checked: every field known, every value one babelbench honours.
    pub fn from_source(source: &TaskSource) -> Result<TaskSpec, TaskFileError> {
        // lm-eval drops fields set to null (a base's `task: null` is "unset").
        let fields: serde_json::Map<String, Value> = source
            .fields
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let spec: TaskSpec =
            serde_path_to_error::deserialize(Value::Object(fields)).map_err(|e| {
                let path = e.path().to_string();
                let top = path.split(['.', '[']).next().unwrap_or("").to_string();
                let inner = e.into_inner().to_string();
                if top.is_empty() || top == "." {
                    let field = inner.split('`').nth(1).unwrap_or("task").to_string();
                    source.error_at(&field, inner)
                } else {
                    source.error_at(&top, format!("{path}: {inner}"))
                }
            })?;
        spec.check(source)?;
        Ok(spec)
    }

    fn check(&self, source: &TaskSource) -> Result<(), TaskFileError> {
        if !OUTPUT_TYPES.contains(&self.output_type.as_str()) {
            return Err(source.error_at(
                "output_type",
                format!(
                    "`{}` is not one of {}",
                    self.output_type,
                    OUTPUT_TYPES.join(", ")
                ),
            ));
        }
        if self.repeats != 1 {
            return Err(source.error_at(
                "repeats",
                "babelbench decodes greedily, so every repeat is the same answer; use repeats: 1",
            ));
        }
        if self.unsafe_code == Some(true) {
            return Err(source.error_at(
                "unsafe_code",
                "the task executes generated code, which babelbench does not do",
            ));
        }
        if let Some(kwargs) = &self.generation_kwargs {
            // As lm-eval's HF model reads them: sampling when asked, or when a temperature
            // above 0 comes without `do_sample`.
            let sampled = kwargs.do_sample == Some(true)
                || kwargs.do_sample.is_none() && kwargs.temperature.is_some_and(|t| t > 0.0);
            if sampled {
                return Err(source.error_at(
                    "generation_kwargs",
                    "asks for sampled decoding (do_sample, temperature, top_p); babelbench \
                     decodes greedily only: set do_sample: false and temperature: 0",
                ));
            }
        }
        if self.test_split.is_none() && self.validation_split.is_none() {
            return Err(source.error_at(
                "test_split",
                "a task evaluates its test_split, else its validation_split; set one",
            ));
        }
        if let Some(fewshot) = &self.fewshot_config
            && !["default", "first_n"].contains(&fewshot.sampler.as_str())
        {
            return Err(source.error_at(
                "fewshot_config",
                format!(
                    "sampler `{}` is not one of default, first_n (lm-eval's built-in samplers)",
                    fewshot.sampler
                ),
            ));
        }
        let needs_choices = self.output_type == "multiple_choice";
        if needs_choices && self.doc_to_choice.is_none() {
            return Err(source.error_at(
                "doc_to_choice",
                "a multiple_choice task needs doc_to_choice (a list, a column or a template)",
            ));
        }
        if let Some(kwargs) = &self.dataset_kwargs {
            kwargs
                .csv_options()
                .map_err(|m| source.error_at("dataset_kwargs", m))?;
        }
        for metric in self.metric_list.iter().flatten() {
            if let Some(tokenize) = &metric.tokenize {
                let known = BleuTokenizer::ALL.map(BleuTokenizer::name);
                if metric.metric != "bleu" || !known.contains(&tokenize.as_str()) {
                    return Err(source.error_at(
                        "metric_list",
                        format!(
                            "metric {}: `tokenize: {tokenize}` is a bleu option, one of {}",
                            metric.metric,
                            known.join(", ")
                        ),
                    ));
                }
            }
            if let Some(aggregation) = &metric.aggregation
                && ![
                    "mean",
                    "perplexity",
                    "weighted_perplexity",
                    "bits_per_byte",
                    "bleu",
                    "chrf",
                    "ter",
                ]
                .contains(&aggregation.as_str())
            {
                return Err(source.error_at(
                    "metric_list",
                    format!(
                        "metric {}: aggregation `{aggregation}` needs Python; babelbench \
                         aggregates with the metric's own rule",
                        metric.metric
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The split that is evaluated: `test_split`, else `validation_split`.
    pub fn eval_split(&self) -> &str {
        self.test_split
            .as_deref()
            .or(self.validation_split.as_deref())
            .unwrap_or("test")
    }

    /// The few-shot split as lm-eval resolves it (`fewshot_config.split`, `fewshot_split`,
    /// else training, else validation, else the evaluated split), and whether a document is
    /// kept out of its own examples: lm-eval compares the named few-shot split with
    /// `test_split` literally, so two unset ones count as equal.
    pub fn fewshot_source(&self) -> (String, bool) {
        let named = self
            .fewshot_config
            .as_ref()
            .and_then(|f| f.split.clone())
            .or_else(|| self.fewshot_split.clone());
        let excludes = named == self.test_split;
        let split = named
            .or_else(|| self.training_split.clone())
            .or_else(|| self.validation_split.clone())
            .unwrap_or_else(|| self.eval_split().to_string());
        (split, excludes)
    }

    /// The metrics with lm-eval's defaults for the output type when `metric_list` is absent.
    pub fn metrics(&self) -> Vec<MetricSpec> {
        if let Some(list) = &self.metric_list {
            return list.clone();
        }
        let names: &[&str] = match self.output_type.as_str() {
            "multiple_choice" => &["acc", "acc_norm"],
            "loglikelihood" => &["perplexity", "acc"],
            "loglikelihood_rolling" => &["word_perplexity", "byte_perplexity", "bits_per_byte"],
            "generate_until" => &["exact_match"],
            _ => &[],
        };
        names.iter().map(|name| MetricSpec::named(name)).collect()
    }

    /// `metadata.version`, if set.
    pub fn version(&self) -> Option<String> {
        self.metadata
            .as_ref()
            .and_then(|m| m.get("version"))
            .map(|v| v.to_string())
    }

    /// `metadata.<key>` as a string, if set.
    pub fn metadata_str(&self, key: &str) -> Option<&str> {
        self.metadata.as_ref()?.get(key)?.as_str()
    }
}
