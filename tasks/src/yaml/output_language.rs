//! The output-language metrics of a `generate_until` task whose `metadata.target_language`
//! names the FLORES-200 code its outputs should be in (the built-in FLORES family sets it to
//! each direction's target):
//!
//! - `off_target`: the share of outputs not in the target language, by [`crate::langid`]; an
//!   output in which no language is detected (empty, digits or punctuation only) counts as off
//!   target. Absent (not 0) when the identifier does not cover the target language.
//! - `wrong_script`: the share of outputs whose letters' dominant script is not the target's;
//!   an output without letters counts as wrong script.
//! - `chrf++_off_target_zeroed`: corpus chrF++ with every off-target output replaced by the
//!   empty string in the corpus statistics (it adds its reference's n-grams and no matches),
//!   beside the plain `chrf++`; absent when `off_target` is.
//!
//! Each sample carries `off_target` and `wrong_script` (0 or 1) and its sentence
//! `chrf++_off_target_zeroed`, and the labels `detected_language` (a FLORES-200 code, or
//! `none`) and `detected_script` (ISO 15924 as [`crate::langid::script`] names it, or `none`).
//! Rates are means of the per-sample values with the same bootstrap intervals as every metric.

use std::sync::OnceLock;

use harness::languages::LanguageTable;
use harness::task::{MetricValue, Sample};
use rayon::prelude::*;

use super::error::TaskFileError;
use super::scoring::{corpus_metric, mean_metric};
use super::source::TaskSource;
use super::spec::{MetricSpec, TaskSpec};
use crate::ci::BootstrapSettings;
use crate::langid::{IDENTIFIER, Identification, identify};

/// The metrics this module computes.
pub(crate) const METRICS: [&str; 3] = ["off_target", "wrong_script", "chrf++_off_target_zeroed"];

/// The `metadata` key naming the target language.
pub(crate) const TARGET_LANGUAGE: &str = "target_language";

/// The label of an output in which nothing was detected.
const NONE: &str = "none";

/// Whether `metric` is one of this module's.
pub(crate) fn is_output_language_metric(metric: &str) -> bool {
    METRICS.contains(&metric)
}

/// Checks that a task listing one of these metrics names a target language of the language
/// table.
pub(crate) fn check(spec: &TaskSpec, source: &TaskSource) -> Result<(), TaskFileError> {
    let Some(metric) = spec
        .metrics()
        .into_iter()
        .find(|m| is_output_language_metric(&m.metric))
    else {
        return Ok(());
    };
    let Some(target) = spec.metadata_str(TARGET_LANGUAGE) else {
        return Err(source.error_at(
            "metadata",
            format!(
                "metric `{}` needs `metadata.{TARGET_LANGUAGE}`, the FLORES-200 code the \
                 outputs should be in (e.g. deu_Latn)",
                metric.metric
            ),
        ));
    };
    static TABLE: OnceLock<Option<LanguageTable>> = OnceLock::new();
    let known = TABLE
        .get_or_init(|| LanguageTable::builtin().ok())
        .as_ref()
        .is_some_and(|table| table.get(target).is_some());
    if !known {
        return Err(source.error_at(
            "metadata",
            format!(
                "`{TARGET_LANGUAGE}: {target}` is not a code of babelbench's language table \
                 (harness/data/languages.tsv); use a FLORES-200 code such as deu_Latn"
            ),
        ));
    }
    Ok(())
}

/// What was detected in each answer of one filter.
pub(crate) struct OutputLanguage {
    found: Vec<Identification>,
}

impl OutputLanguage {
    /// Identifies every answer against the FLORES-200 code `target`, in answer order.
    pub fn identify(target: &str, answers: &[String]) -> Self {
        OutputLanguage {
            found: answers.par_iter().map(|a| identify(a, target)).collect(),
        }
    }

    /// Adds `detected_language` and `detected_script` (with `suffix`, e.g. `,strict`) to each
    /// sample's labels.
    pub fn label(&self, samples: &mut [Sample], suffix: &str) {
        for (sample, found) in samples.iter_mut().zip(&self.found) {
            for (name, value) in [
                ("detected_language", &found.language),
                ("detected_script", &found.script),
            ] {
                sample.labels.insert(
                    format!("{name}{suffix}"),
                    value.clone().unwrap_or_else(|| NONE.to_string()),
                );
            }
        }
    }

    /// The metric `name` under `key` and its per-sample values; `None` when it is absent
    /// (the identifier does not cover the target).
    pub fn metric(
        &self,
        name: &str,
        key: &str,
        answers: &[String],
        references: &[String],
        settings: &BootstrapSettings,
    ) -> Result<Option<(MetricValue, Vec<f64>)>, String> {
        let indicator = |b: bool| f64::from(u8::from(b));
        let off_target: Option<Vec<bool>> = self.found.iter().map(|f| f.off_target).collect();
        let (mut value, per_sample) = match name {
            "off_target" => {
                let Some(off_target) = off_target else {
                    return Ok(None);
                };
                let values: Vec<f64> = off_target.into_iter().map(indicator).collect();
                (mean_metric(key, &values, settings), values)
            }
            "wrong_script" => {
                let values: Vec<f64> = self
                    .found
                    .iter()
                    .map(|f| indicator(f.wrong_script))
                    .collect();
                (mean_metric(key, &values, settings), values)
            }
            "chrf++_off_target_zeroed" => {
                let Some(off_target) = off_target else {
                    return Ok(None);
                };
                let zeroed: Vec<String> = answers
                    .iter()
                    .zip(off_target)
                    .map(|(answer, off)| if off { String::new() } else { answer.clone() })
                    .collect();
                let chrf = MetricSpec::named("chrf++");
                let (mut value, sentences) =
                    corpus_metric(&chrf, key, &zeroed, references, settings)?;
                if let Some(signature) = &mut value.signature {
                    signature.push_str("|off-target:zeroed");
                }
                (value, sentences.unwrap_or_default())
            }
            other => return Err(format!("`{other}` is not an output-language metric")),
        };
        if let Some(signature) = &mut value.signature {
            signature.push_str(&format!("|langid:{IDENTIFIER}"));
        }
        Ok(Some((value, per_sample)))
    }
}
