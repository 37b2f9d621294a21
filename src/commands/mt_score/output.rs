//! Scores printed as sacrebleu 2.6.0's command line prints them, as text or as JSON.

use harness::metric::{ConfidenceInterval, Signature};

/// One score with what sacrebleu prints beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreReport {
    /// The metric's name, e.g. `BLEU`, `chrF2++`.
    pub name: String,
    /// The score.
    pub score: f64,
    /// The signature, including `bs` and `seed` when there is a confidence interval.
    pub signature: Signature,
    /// The bootstrap interval, if one was computed.
    pub confidence: Option<ConfidenceInterval>,
    /// The verbose part (BLEU's precisions and brevity penalty).
    pub verbose: Option<String>,
}

impl ScoreReport {
    /// The interval as sacrebleu prints it, `μ = 65.1 ± 1.2`, when there is one with a mean
    /// above 0 (sacrebleu omits it otherwise).
    fn confidence_text(&self, width: usize) -> Option<(String, String)> {
        self.confidence.filter(|ci| ci.mean > 0.0).map(|ci| {
            (
                format!("{:.width$}", ci.mean),
                format!("{:.width$}", ci.half_width()),
            )
        })
    }

    /// The text line, e.g.
    /// `chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0 = 95.3`, with
    /// `width` decimals.
    pub fn text(&self, width: usize) -> String {
        let mut line = self.name.clone();
        let signature = self.signature.to_string();
        if !signature.is_empty() {
            line.push('|');
            line.push_str(&signature);
        }
        line.push_str(&format!(" = {:.width$}", self.score));
        if let Some((mean, half_width)) = self.confidence_text(width) {
            line.push_str(&format!(" (μ = {mean} ± {half_width})"));
        }
        if let Some(verbose) = &self.verbose {
            line.push(' ');
            line.push_str(verbose);
        }
        line
    }

    /// The JSON object sacrebleu's `-f json` prints (indented by one space), numbers rounded
    /// to `width` decimals.
    pub fn json(&self, width: usize) -> String {
        let rounded = |value: f64| python_float(round_to(value, width));
        let mut entries: Vec<(String, String)> = vec![
            ("name".into(), json_string(&self.name)),
            ("score".into(), rounded(self.score)),
            ("signature".into(), json_string(&self.signature.to_string())),
        ];
        if let Some((mean, half_width)) = self.confidence_text(width) {
            entries.push(("confidence_mean".into(), python_float(parse_rounded(&mean))));
            entries.push((
                "confidence_var".into(),
                python_float(parse_rounded(&half_width)),
            ));
            entries.push((
                "confidence".into(),
                json_string(&format!("μ = {mean} ± {half_width}")),
            ));
        }
        if let Some(verbose) = &self.verbose {
            entries.push(("verbose_score".into(), json_string(verbose)));
        }
        for (key, value) in self.signature.fields() {
            entries.push((key.clone(), json_string(value)));
        }
        let body: Vec<String> = entries
            .iter()
            .map(|(key, value)| format!(" {}: {value}", json_string(key)))
            .collect();
        format!("{{\n{}\n}}", body.join(",\n"))
    }
}

/// Text lines aligned on their first ` = ` as sacrebleu aligns several scores: the part
/// before it right-justified to the longest such part. One line is returned unchanged.
pub fn align_on_equals(lines: &[String]) -> Vec<String> {
    if lines.len() < 2 {
        return lines.to_vec();
    }
    let split: Vec<Option<(&str, &str)>> = lines
        .iter()
        .map(|line| line.find('=').map(|i| line.split_at(i.saturating_sub(1))))
        .collect();
    let width = split
        .iter()
        .flatten()
        .map(|(left, _)| left.chars().count())
        .max()
        .unwrap_or(0);
    lines
        .iter()
        .zip(split)
        .map(|(line, parts)| match parts {
            Some((left, right)) => format!("{left:>width$}{right}"),
            None => line.clone(),
        })
        .collect()
}

/// JSON objects as sacrebleu prints them: a single object alone, several in a list.
pub fn json_list(objects: &[String]) -> String {
    match objects {
        [single] => single.clone(),
        _ => format!("[\n{}\n]", objects.join(",\n")),
    }
}

/// `value` rounded to `width` decimals, as Python's `float(f"{value:.{width}f}")`.
fn round_to(value: f64, width: usize) -> f64 {
    parse_rounded(&format!("{value:.width$}"))
}

/// Parses a number this module formatted; a formatted finite `f64` always parses.
fn parse_rounded(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

/// A JSON string literal, escaped as Python's `json.dumps(..., ensure_ascii=False)`.
fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// `value` as Python's `repr(float)` (and so `json.dumps`) writes it: shortest round-trip
/// digits, `.0` on integral values, exponent form below 1e-4 and from 1e16.
fn python_float(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let magnitude = value.abs();
    if value == 0.0 || (1e-4..1e16).contains(&magnitude) {
        let text = value.to_string();
        return if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        };
    }
    let text = format!("{value:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bleu_report() -> ScoreReport {
        ScoreReport {
            name: "BLEU".into(),
            score: 91.4409,
            signature: Signature::new()
                .with("nrefs", 1)
                .with("tok", "13a")
                .with("version", "2.6.0"),
            confidence: None,
            verbose: Some("100.0/96.6 (BP = 0.964)".into()),
        }
    }

    #[test]
    fn text_and_json_like_sacrebleu() {
        let report = bleu_report();
        assert_eq!(
            report.text(1),
            "BLEU|nrefs:1|tok:13a|version:2.6.0 = 91.4 100.0/96.6 (BP = 0.964)"
        );
        assert_eq!(
            report.json(2),
            "{\n \"name\": \"BLEU\",\n \"score\": 91.44,\n \"signature\": \"nrefs:1|tok:13a|version:2.6.0\",\n \"verbose_score\": \"100.0/96.6 (BP = 0.964)\",\n \"nrefs\": \"1\",\n \"tok\": \"13a\",\n \"version\": \"2.6.0\"\n}"
        );
    }

    #[test]
    fn confidence_is_printed_when_its_mean_is_positive() {
        let mut report = bleu_report();
        report.verbose = None;
        report.confidence = Some(ConfidenceInterval {
            low: 90.0,
            high: 92.5,
            mean: 91.25,
        });
        assert_eq!(
            report.text(1),
            "BLEU|nrefs:1|tok:13a|version:2.6.0 = 91.4 (μ = 91.2 ± 1.2)"
        );
        assert!(report.json(1).contains(
            " \"confidence_mean\": 91.2,\n \"confidence_var\": 1.2,\n \"confidence\": \"μ = 91.2 ± 1.2\",\n"
        ));
        report.confidence = Some(ConfidenceInterval {
            low: 0.0,
            high: 0.0,
            mean: 0.0,
        });
        assert_eq!(report.text(1), "BLEU|nrefs:1|tok:13a|version:2.6.0 = 91.4");
    }

    #[test]
    fn aligns_several_lines_on_equals() {
        let lines = vec!["BLEU|a = 1.0 x".to_string(), "chrF2|bb = 2.0".to_string()];
        assert_eq!(
            align_on_equals(&lines),
            ["  BLEU|a = 1.0 x", "chrF2|bb = 2.0"]
        );
        assert_eq!(align_on_equals(&lines[..1]), ["BLEU|a = 1.0 x"]);
    }

    #[test]
    fn lists_several_objects() {
        assert_eq!(json_list(&["{}".into()]), "{}");
        assert_eq!(json_list(&["{}".into(), "{}".into()]), "[\n{},\n{}\n]");
    }

    #[test]
    fn floats_like_python_repr() {
        assert_eq!(python_float(100.0), "100.0");
        assert_eq!(python_float(0.0), "0.0");
        assert_eq!(python_float(35.14), "35.14");
        assert_eq!(python_float(0.01), "0.01");
        assert_eq!(python_float(1.2e-5), "1.2e-05");
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(round_to(0.125, 2), 0.12);
        assert_eq!(round_to(91.45, 1), 91.5);
    }
}
