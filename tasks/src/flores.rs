//! FLORES-200 machine translation, `flores_<src>-<tgt>`.
//!
//! Prompt (`prompts/flores.jinja`), per sentence: `{src_name}: {src}\n{tgt_name}:`, with the
//! English names of the language table. Few-shot examples (default 1) are the first k lines of
//! the dev-partial split present in both languages, each followed by ` ` and its reference,
//! separated by blank lines:
//!
//! ```text
//! German: {dev src 1}
//! English: {dev tgt 1}
//!
//! German: {devtest src}
//! English:
//! ```
//!
//! The model generates greedily until a newline (at most 256 tokens). The prediction and the
//! reference are stripped of surrounding whitespace. Headline metric: corpus chrF++; chrF and
//! BLEU beside it, all from summed sentence statistics with bootstrap intervals; per sample the
//! sentence chrF++. BLEU tokenizes by the target's script: `zh` for Hans and Hant, `char` for
//! Jpan, Thai, Laoo, Khmr and Mymr, `13a` otherwise.

use std::collections::BTreeMap;

use harness::data::{FloresSentence, load_flores_dev_partial, load_flores_devtest};
use harness::metric::Metric;
use harness::request::{GenerateRequest, Request, Response};
use harness::task::{Doc, MetricValue, Sample, Task, TaskError, TaskOutput};
use serde::Serialize;

use crate::ci::BootstrapSettings;
use crate::config::TaskConfig;
use crate::fewshot::fewshot_context;
use crate::languages::Language;
use crate::metrics::{Bleu, BleuTokenizer, Chrf, MetricError, TranslationMetric};
use crate::responses::{check_shape, generation};
use crate::template::PromptTemplate;

/// The group name.
pub const FLORES_GROUP: &str = "flores";

/// The language every default direction starts or ends in.
pub const FLORES_PIVOT: &str = "eng_Latn";

/// Few-shot examples when none are configured.
pub const FLORES_DEFAULT_FEWSHOT: usize = 1;

/// Generation stops at the first of these.
pub const FLORES_UNTIL: [&str; 1] = ["\n"];

/// Upper bound on generated tokens when none is configured.
pub const FLORES_MAX_NEW_TOKENS: usize = 256;

/// The version of this task's prompt and scoring.
const VERSION: &str = "version=1|prompt=babelbench-mt-v1|until=\\n";

/// The prompt template.
pub const FLORES_TEMPLATE: PromptTemplate = PromptTemplate {
    name: "flores.jinja",
    source: include_str!("prompts/flores.jinja"),
};

/// The template's variables.
#[derive(Serialize)]
struct PromptVars<'a> {
    src_name: &'a str,
    src: &'a str,
    tgt_name: &'a str,
}

/// One translation direction.
#[derive(Debug, Clone)]
pub struct FloresTask {
    name: String,
    source: Language,
    target: Language,
    config: TaskConfig,
}

impl FloresTask {
    /// Translation from `source` into `target`.
    pub fn new(source: &Language, target: &Language, config: TaskConfig) -> Self {
        FloresTask {
            name: format!("{FLORES_GROUP}_{}-{}", source.code, target.code),
            source: source.clone(),
            target: target.clone(),
            config,
        }
    }

    /// The few-shot count in effect.
    fn num_fewshot(&self) -> usize {
        self.config.fewshot_or(FLORES_DEFAULT_FEWSHOT)
    }

    /// The generation limit in effect.
    fn max_new_tokens(&self) -> usize {
        self.config.max_new_tokens.unwrap_or(FLORES_MAX_NEW_TOKENS)
    }

    /// The prompt of one source sentence, without examples.
    pub fn render_item(&self, source_text: &str) -> Result<String, TaskError> {
        FLORES_TEMPLATE.render(
            &self.name,
            PromptVars {
                src_name: &self.source.name,
                src: source_text,
                tgt_name: &self.target.name,
            },
        )
    }

    /// The first k dev-partial lines present in both languages, as (prompt, reference).
    fn examples(&self) -> Result<Vec<(String, String)>, TaskError> {
        let k = self.num_fewshot();
        if k == 0 {
            return Ok(Vec::new());
        }
        let root = &self.config.data_root;
        let sources = load_flores_dev_partial(root, &self.source.code)?;
        let targets = load_flores_dev_partial(root, &self.target.code)?;
        let pairs: Vec<(&FloresSentence, &FloresSentence)> = sources
            .iter()
            .filter_map(|s| targets.iter().find(|t| t.line == s.line).map(|t| (s, t)))
            .take(k)
            .collect();
        if pairs.len() < k {
            return Err(TaskError::Config {
                task: self.name.clone(),
                message: format!(
                    "{k} few-shot examples asked, but the dev-partial files share only {} lines",
                    pairs.len()
                ),
            });
        }
        pairs
            .into_iter()
            .map(|(s, t)| Ok((self.render_item(s.text.trim())?, t.text.trim().to_string())))
            .collect()
    }
}

/// The BLEU tokenizer for a target script (ISO 15924).
pub fn bleu_tokenizer_for_script(script: &str) -> BleuTokenizer {
    match script {
        "Hans" | "Hant" => BleuTokenizer::Zh,
        "Jpan" | "Thai" | "Laoo" | "Khmr" | "Mymr" => BleuTokenizer::Char,
        _ => BleuTokenizer::V13a,
    }
}

impl Task for FloresTask {
    fn name(&self) -> &str {
        &self.name
    }

    fn group(&self) -> &str {
        FLORES_GROUP
    }

    /// The non-English side; the target when neither side is English.
    fn language(&self) -> &str {
        if self.target.code == FLORES_PIVOT {
            &self.source.code
        } else {
            &self.target.code
        }
    }

    fn signature(&self) -> String {
        format!(
            "{FLORES_GROUP}|{VERSION}|max_new_tokens={}|template={}|fewshot={}|bleu_tok={}|{}",
            self.max_new_tokens(),
            FLORES_TEMPLATE.hash(),
            self.num_fewshot(),
            bleu_tokenizer_for_script(&self.target.script).name(),
            self.config.limit_label()
        )
    }

    fn docs(&self) -> Result<Vec<Doc>, TaskError> {
        let root = &self.config.data_root;
        let examples = self.examples()?;
        let sources = load_flores_devtest(root, &self.source.code)?;
        let targets = load_flores_devtest(root, &self.target.code)?;
        let pairs: Vec<_> = sources.into_iter().zip(targets).collect();
        self.config
            .apply_limit(pairs)
            .into_iter()
            .map(|(source, target)| {
                let context = fewshot_context(&examples, &self.render_item(source.text.trim())?);
                Ok(Doc {
                    id: source.line.to_string(),
                    prompt: context.clone(),
                    target: target.text.trim().to_string(),
                    requests: vec![Request::Generate(GenerateRequest {
                        context,
                        until: FLORES_UNTIL.iter().map(|s| s.to_string()).collect(),
                        max_new_tokens: self.max_new_tokens(),
                    })],
                })
            })
            .collect()
    }

    fn evaluate(&self, docs: &[Doc], responses: &[Vec<Response>]) -> Result<TaskOutput, TaskError> {
        check_shape(&self.name, docs, responses)?;
        let hypotheses = docs
            .iter()
            .zip(responses)
            .map(|(doc, answers)| {
                Ok(generation(&self.name, doc, 0, &answers[0])?
                    .text
                    .trim()
                    .to_string())
            })
            .collect::<Result<Vec<String>, TaskError>>()?;
        let references: Vec<&str> = docs.iter().map(|d| d.target.as_str()).collect();
        let metric_error = |e: MetricError| TaskError::Config {
            task: self.name.clone(),
            message: e.to_string(),
        };
        let settings = BootstrapSettings::from_config(&self.config);
        let chrf_pp = Chrf::chrf_plus_plus();
        let chrf_pp_stats = chrf_pp
            .corpus_stats(&hypotheses, &references)
            .map_err(metric_error)?;
        let chrf = Chrf::chrf();
        let chrf_stats = chrf
            .corpus_stats(&hypotheses, &references)
            .map_err(metric_error)?;
        let bleu = Bleu::new(bleu_tokenizer_for_script(&self.target.script));
        let bleu_stats = bleu
            .corpus_stats(&hypotheses, &references)
            .map_err(metric_error)?;
        let samples = docs
            .iter()
            .zip(hypotheses)
            .zip(&chrf_pp_stats)
            .map(|((doc, hypothesis), stats)| {
                Sample::of(
                    doc,
                    hypothesis,
                    BTreeMap::from([("chrf++".to_string(), chrf_pp.score(stats))]),
                )
            })
            .collect();
        let metrics: Vec<MetricValue> = vec![
            settings.score(&chrf_pp, &chrf_pp_stats).named("chrf++"),
            settings.score(&chrf, &chrf_stats).named("chrf"),
            settings.score(&bleu, &bleu_stats).named("bleu"),
        ];
        Ok(TaskOutput { samples, metrics })
    }
}
