//! Bits per byte of the FLORES-200 devtest sentences of one language: every sentence is scored
//! on its own by rolling loglikelihood, and
//! `bpb = −Σ logprob / Σ UTF-8 bytes / ln 2` over the evaluated sentences (natural-log
//! probabilities, corpus-level sums; the interval resamples sentences).

use std::collections::BTreeMap;

use harness::data::load_flores_devtest;
use harness::request::{Request, Response, RollingRequest};
use harness::task::{Doc, Sample, Task, TaskError, TaskOutput};

use crate::ci::{BootstrapSettings, ratio};
use crate::config::TaskConfig;
use crate::responses::{check_shape, rolling};

/// The group name.
pub const BPB_GROUP: &str = "bpb";

/// The version of this task.
const VERSION: &str = "version=1|text=flores200-devtest|scoring=rolling-loglikelihood";

/// Bits per byte of one language: `bpb_<lang>`.
#[derive(Debug, Clone)]
pub struct BpbTask {
    name: String,
    language: String,
    config: TaskConfig,
}

impl BpbTask {
    /// Bits per byte for `language` (a FLORES-200 code).
    pub fn new(language: &str, config: TaskConfig) -> Self {
        BpbTask {
            name: format!("{BPB_GROUP}_{language}"),
            language: language.to_string(),
            config,
        }
    }
}

/// Bits per byte of a negative log-likelihood in nats over `bytes` bytes.
pub fn bits_per_byte(nll_nats: f64, bytes: f64) -> f64 {
    nll_nats / bytes / std::f64::consts::LN_2
}

impl Task for BpbTask {
    fn name(&self) -> &str {
        &self.name
    }

    fn group(&self) -> &str {
        BPB_GROUP
    }

    fn language(&self) -> &str {
        &self.language
    }

    fn signature(&self) -> String {
        format!("{BPB_GROUP}|{VERSION}|{}", self.config.limit_label())
    }

    fn docs(&self) -> Result<Vec<Doc>, TaskError> {
        let sentences = load_flores_devtest(&self.config.data_root, &self.language)?;
        Ok(self
            .config
            .apply_limit(sentences)
            .into_iter()
            .map(|sentence| Doc {
                id: sentence.line.to_string(),
                prompt: String::new(),
                target: sentence.text.clone(),
                requests: vec![Request::Rolling(RollingRequest {
                    text: sentence.text,
                })],
            })
            .collect())
    }

    fn evaluate(&self, docs: &[Doc], responses: &[Vec<Response>]) -> Result<TaskOutput, TaskError> {
        check_shape(&self.name, docs, responses)?;
        let mut samples = Vec::with_capacity(docs.len());
        let mut nll = Vec::with_capacity(docs.len());
        let mut bytes = Vec::with_capacity(docs.len());
        for (doc, answers) in docs.iter().zip(responses) {
            let response = rolling(&self.name, doc, 0, &answers[0])?;
            let size = doc.target.len() as f64;
            let sentence_nll = -response.logprob;
            nll.push(sentence_nll);
            bytes.push(size);
            samples.push(Sample::of(
                doc,
                String::new(),
                BTreeMap::from([
                    ("bpb".to_string(), bits_per_byte(sentence_nll, size)),
                    ("nll".to_string(), sentence_nll),
                    ("bytes".to_string(), size),
                    ("tokens".to_string(), response.num_tokens as f64),
                ]),
            ));
        }
        let settings = BootstrapSettings::from_config(&self.config);
        let bpb = ratio("bpb", &nll, &bytes, 1.0 / std::f64::consts::LN_2, &settings);
        Ok(TaskOutput {
            samples,
            metrics: vec![bpb.named("bpb")],
        })
    }
}
