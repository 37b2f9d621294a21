//! Scoring as lm-evaluation-harness 0.4.13 scores a YAML task, per output type:
//! - `multiple_choice`: `acc` (argmax of the log-likelihoods, the first on ties), `acc_norm`
//!   (divided by each choice's length in characters), `acc_bytes` (in UTF-8 bytes),
//!   `exact_match` (the gold choice is the greedy continuation);
//! - `loglikelihood`: `perplexity` (`exp(−mean ll)`), `acc` (greedy);
//! - `loglikelihood_rolling`: `word_perplexity`, `byte_perplexity`, `bits_per_byte` (corpus sums;
//!   words are `re.split(r"\s+")` pieces), and babelbench's `bpb`, the same value under the
//!   name of babelbench's bits-per-byte tasks;
//! - `generate_until`: each `filter_list` pipeline (`regex`, `take_first`, `remove_whitespace`,
//!   `lowercase`, `uppercase`, `map`) reduces the generation to an answer, scored by
//!   `exact_match` (with `ignore_case`, `ignore_punctuation`, `ignore_numbers`,
//!   `regexes_to_ignore`) or by corpus `chrf`, `chrf++`, `bleu`, `ter` (sacrebleu's defaults;
//!   `bleu` takes sacrebleu's `tokenize`), each sample carrying its sentence chrF or TER; a
//!   filter's metrics are named `metric,filter` (lm-eval's keys), the unfiltered ones plainly;
//!   with `metadata.target_language`, babelbench's output-language metrics `off_target`,
//!   `wrong_script` and `chrf++_off_target_zeroed` ([`super::output_language`]).
//!
//! Means carry bootstrap intervals like every babelbench metric.

use std::collections::BTreeMap;

use harness::metric::Metric;
use harness::task::MetricValue;
use serde_json::Value;

use super::prompt::python_str;
use super::spec::{FilterSpec, FilterStep, MetricSpec};
use crate::ci::{BootstrapSettings, exp_ratio, mean, ratio};
use crate::metrics::{Bleu, BleuTokenizer, Chrf, Ter, TranslationMetric};

/// The metrics each output type computes.
pub(crate) fn supported(output_type: &str) -> &'static [&'static str] {
    match output_type {
        "multiple_choice" => &["acc", "acc_norm", "acc_bytes", "exact_match"],
        "loglikelihood" => &["perplexity", "acc"],
        "loglikelihood_rolling" => &["word_perplexity", "byte_perplexity", "bits_per_byte", "bpb"],
        "generate_until" => &[
            "exact_match",
            "chrf",
            "chrf++",
            "bleu",
            "ter",
            "off_target",
            "wrong_script",
            "chrf++_off_target_zeroed",
        ],
        _ => &[],
    }
}

/// One multiple-choice document's scores.
pub(crate) fn choice_scores(
    metrics: &[MetricSpec],
    choices: &[String],
    logprobs: &[f64],
    greedy: &[bool],
    gold: &[usize],
) -> (usize, BTreeMap<String, f64>) {
    let by = |length: &dyn Fn(&str) -> usize| {
        let normalized: Vec<f64> = logprobs
            .iter()
            .zip(choices)
            .map(|(lp, c)| lp / length(c) as f64)
            .collect();
        argmax(&normalized)
    };
    let predicted = argmax(logprobs);
    let hit = |p: usize| f64::from(u8::from(gold.contains(&p)));
    let mut scores = BTreeMap::new();
    for metric in metrics {
        let value = match metric.metric.as_str() {
            "acc" => hit(predicted),
            "acc_norm" => hit(by(&|c| c.chars().count())),
            "acc_bytes" => hit(by(&str::len)),
            "exact_match" => f64::from(u8::from(gold.iter().any(|&g| greedy[g]))),
            _ => continue,
        };
        scores.insert(metric.metric.clone(), value);
    }
    (predicted, scores)
}

/// lm-eval's `count_words`: the pieces of `re.split(r"\s+", text)`.
pub(crate) fn count_words(text: &str) -> usize {
    let mut pieces = 1;
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                pieces += 1;
            }
            in_space = true;
        } else {
            in_space = false;
        }
    }
    pieces
}

/// A filter pipeline applied to one generation.
pub(crate) fn apply_filter(filter: &FilterSpec, generation: &str) -> Result<String, String> {
    let mut answer = Value::String(generation.to_string());
    for step in &filter.filter {
        answer = apply_step(step, answer)?;
    }
    Ok(python_str(&answer))
}

fn apply_step(step: &FilterStep, answer: Value) -> Result<Value, String> {
    let text = || python_str(&answer);
    Ok(match step.function.as_str() {
        "take_first" => answer,
        "remove_whitespace" => Value::String(text().trim().to_string()),
        "lowercase" => Value::String(text().to_lowercase()),
        "uppercase" => Value::String(text().to_uppercase()),
        "map" => {
            let mapping = step.mapping_dict.clone().unwrap_or_default();
            mapping
                .get(&text())
                .cloned()
                .unwrap_or_else(|| step.default_value.clone().unwrap_or(Value::Null))
        }
        "regex" => {
            let pattern = step
                .regex_pattern
                .as_deref()
                .unwrap_or(r"#### (\-?[0-9\.\,]+)");
            let regex =
                regex::Regex::new(pattern).map_err(|e| format!("filter regex {pattern:?}: {e}"))?;
            let fallback = step.fallback.clone().unwrap_or_else(|| "[invalid]".into());
            Value::String(
                regex_extract(&regex, &text(), step.group_select.unwrap_or(0)).unwrap_or(fallback),
            )
        }
        other => {
            return Err(format!(
                "filter function `{other}` is not one babelbench runs"
            ));
        }
    })
}

/// lm-eval's `RegexFilter`: `re.findall`, the match at `group_select` (negative from the end);
/// with several groups the first non-empty one; stripped. `None` when nothing matches.
fn regex_extract(regex: &regex::Regex, text: &str, group_select: i64) -> Option<String> {
    let groups = regex.captures_len() - 1;
    let found: Vec<String> = regex
        .captures_iter(text)
        .map(|caps| match groups {
            0 => caps.get(0).map_or("", |m| m.as_str()).to_string(),
            1 => caps.get(1).map_or("", |m| m.as_str()).to_string(),
            _ => (1..=groups)
                .filter_map(|g| caps.get(g).map(|m| m.as_str()))
                .find(|m| !m.is_empty())
                .unwrap_or("\u{0}")
                .to_string(),
        })
        .collect();
    if found.is_empty() {
        return None;
    }
    let index = if group_select < 0 {
        found
            .len()
            .checked_sub(group_select.unsigned_abs() as usize)?
    } else {
        group_select as usize
    };
    let chosen = found.get(index)?;
    // A match whose groups are all empty gives the fallback, as lm-eval does.
    (chosen != "\u{0}").then(|| chosen.trim().to_string())
}

/// lm-eval's `exact_match` of one prediction against one reference.
pub(crate) fn exact_match(
    metric: &MetricSpec,
    prediction: &str,
    reference: &str,
) -> Result<bool, String> {
    let mut pair = [prediction.to_string(), reference.to_string()];
    for pattern in metric.regexes_to_ignore.iter().flatten() {
        let regex = regex::Regex::new(pattern)
            .map_err(|e| format!("regexes_to_ignore {pattern:?}: {e}"))?;
        for text in &mut pair {
            *text = regex.replace_all(text, "").into_owned();
        }
    }
    for text in &mut pair {
        if metric.ignore_case {
            *text = text.to_lowercase();
        }
        if metric.ignore_punctuation {
            text.retain(|c| !c.is_ascii_punctuation());
        }
        if metric.ignore_numbers {
            text.retain(|c| !c.is_ascii_digit());
        }
    }
    Ok(pair[0] == pair[1])
}

/// Corpus-level translation metrics of filtered generations, with each sentence's score for
/// the chrF metrics and TER.
pub(crate) fn corpus_metric(
    metric: &MetricSpec,
    key: &str,
    hypotheses: &[String],
    references: &[String],
    settings: &BootstrapSettings,
) -> Result<(MetricValue, Option<Vec<f64>>), String> {
    let refs: Vec<&str> = references.iter().map(String::as_str).collect();
    let (score, sentences) = match metric.metric.as_str() {
        name @ ("chrf" | "chrf++") => {
            let chrf = if name == "chrf" {
                Chrf::chrf()
            } else {
                Chrf::chrf_plus_plus()
            };
            let stats = chrf
                .corpus_stats(hypotheses, &refs)
                .map_err(|e| e.to_string())?;
            let sentences = stats.iter().map(|s| chrf.score(s)).collect();
            (settings.score(&chrf, &stats), Some(sentences))
        }
        "bleu" => {
            let tokenizer = match metric.tokenize.as_deref() {
                None => BleuTokenizer::V13a,
                Some(name) => BleuTokenizer::ALL
                    .into_iter()
                    .find(|t| t.name() == name)
                    .ok_or_else(|| format!("bleu has no tokenizer `{name}`"))?,
            };
            let bleu = Bleu::new(tokenizer);
            let stats = bleu
                .corpus_stats(hypotheses, &refs)
                .map_err(|e| e.to_string())?;
            (settings.score(&bleu, &stats), None)
        }
        "ter" => {
            let stats = Ter
                .corpus_stats(hypotheses, &refs)
                .map_err(|e| e.to_string())?;
            let sentences = stats.iter().map(|s| Ter.score(s)).collect();
            (settings.score(&Ter, &stats), Some(sentences))
        }
        other => return Err(format!("`{other}` is not a corpus metric")),
    };
    Ok((score.named(key), sentences))
}

/// The mean of per-sample values under `key`.
pub(crate) fn mean_metric(key: &str, values: &[f64], settings: &BootstrapSettings) -> MetricValue {
    mean(key, values, settings).named(key)
}

/// Rolling-loglikelihood aggregates: `word_perplexity`/`byte_perplexity`
/// (`exp(−Σ ll / Σ units)`) and `bits_per_byte` (`−Σ ll / Σ bytes / ln 2`).
pub(crate) fn rolling_metric(
    name: &str,
    logprobs: &[f64],
    words: &[f64],
    bytes: &[f64],
    settings: &BootstrapSettings,
) -> Option<MetricValue> {
    let nll: Vec<f64> = logprobs.iter().map(|l| -l).collect();
    Some(match name {
        "word_perplexity" => exp_ratio(name, &nll, words, 1.0, settings).named(name),
        "byte_perplexity" => exp_ratio(name, &nll, bytes, 1.0, settings).named(name),
        "bits_per_byte" | "bpb" => {
            ratio(name, &nll, bytes, 1.0 / std::f64::consts::LN_2, settings).named(name)
        }
        _ => return None,
    })
}

/// `perplexity` of loglikelihood requests: `exp(−mean ll)`.
pub(crate) fn perplexity(logprobs: &[f64], settings: &BootstrapSettings) -> MetricValue {
    let nll: Vec<f64> = logprobs.iter().map(|l| -l).collect();
    let ones = vec![1.0; nll.len()];
    exp_ratio("perplexity", &nll, &ones, 1.0, settings).named("perplexity")
}

/// Index of the largest value, the first on ties (like `numpy.argmax`).
fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (index, &value) in values.iter().enumerate() {
        if value > values[best] {
            best = index;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(function: &str) -> FilterStep {
        FilterStep {
            function: function.into(),
            regex_pattern: None,
            group_select: None,
            fallback: None,
            mapping_dict: None,
            default_value: None,
        }
    }

    #[test]
    fn regex_filters_pick_matches_as_lm_eval() {
        let mut regex = step("regex");
        regex.regex_pattern = Some("(-?[$0-9.,]{2,})|(-?[0-9]+)".into());
        regex.group_select = Some(-1);
        let filter = FilterSpec {
            name: "flexible-extract".into(),
            filter: vec![regex.clone(), step("take_first")],
        };
        assert_eq!(
            apply_filter(&filter, "5 apples and 12 pears: 17").unwrap(),
            "17"
        );
        assert_eq!(apply_filter(&filter, "no number").unwrap(), "[invalid]");
        regex.regex_pattern = Some("The answer is (\\-?[0-9\\.\\,]+)".into());
        regex.group_select = None;
        let strict = FilterSpec {
            name: "strict".into(),
            filter: vec![regex],
        };
        assert_eq!(
            apply_filter(&strict, "So. The answer is 42.").unwrap(),
            "42."
        );
        let ws = FilterSpec {
            name: "ws".into(),
            filter: vec![step("remove_whitespace"), step("lowercase")],
        };
        assert_eq!(apply_filter(&ws, "  ABC \n").unwrap(), "abc");
    }

    #[test]
    fn exact_match_options_and_word_counts() {
        let metric = MetricSpec {
            ignore_case: true,
            ignore_punctuation: true,
            regexes_to_ignore: Some(vec![",".into()]),
            ..MetricSpec::named("exact_match")
        };
        assert!(exact_match(&metric, "1,000.", "1000").unwrap());
        assert!(exact_match(&metric, "Paris!", "paris").unwrap());
        assert!(!exact_match(&metric, "Rome", "paris").unwrap());
        assert_eq!(count_words("a b  c"), 3);
        assert_eq!(count_words(" a"), 2);
        assert_eq!(count_words(""), 1);
    }

    #[test]
    fn choices_are_scored_by_raw_character_and_byte_normalized_likelihood() {
        let metrics: Vec<MetricSpec> = ["acc", "acc_norm", "acc_bytes", "exact_match"]
            .iter()
            .map(|m| MetricSpec::named(m))
            .collect();
        // " é" is 2 characters and 3 bytes; " ab" 3 and 3.
        let choices = vec![" ab".to_string(), " é".to_string()];
        let (predicted, scores) =
            choice_scores(&metrics, &choices, &[-3.0, -2.5], &[false, true], &[0]);
        assert_eq!(predicted, 1);
        assert_eq!(scores["acc"], 0.0);
        // per character: -1.0 vs -1.25 → choice 0; per byte: -1.0 vs -0.833 → choice 1.
        assert_eq!(scores["acc_norm"], 1.0);
        assert_eq!(scores["acc_bytes"], 0.0);
        assert_eq!(scores["exact_match"], 0.0);
    }
}
