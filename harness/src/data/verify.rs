//! `babelbench data verify`: every file present, parsed, parallel and hashed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::DataError;
use super::belebele::parse_belebele;
use super::flores::{parse_dev_partial, parse_flores_lines, parse_flores_metadata};
use super::registry::{DatasetSpec, FileFormat, FileSpec, Registry};
use super::root::check_data_root;
use super::sib::{parse_labels, parse_sib};
use super::text::{decode, malformed};

/// What `verify` found for one dataset.
#[derive(Debug)]
pub struct DatasetReport {
    /// The dataset's name.
    pub name: String,
    /// The language codes found, sorted.
    pub languages: Vec<String>,
    /// For each file pattern (by file name, registry order): the records each file holds.
    pub records: Vec<(String, usize)>,
    /// The sha256 of every file read, by path relative to the data root (`/`-separated).
    pub checksums: BTreeMap<String, String>,
    /// Files the layout names but that are absent, relative to the data root.
    pub missing: BTreeSet<String>,
    /// Everything wrong, in path order.
    pub problems: Vec<DataError>,
}

/// What `verify` found under a data root.
#[derive(Debug)]
pub struct VerifyReport {
    /// The data root.
    pub root: PathBuf,
    /// One report per dataset checked, in the order asked.
    pub datasets: Vec<DatasetReport>,
}

impl VerifyReport {
    /// The number of problems over all datasets.
    pub fn problem_count(&self) -> usize {
        self.datasets.iter().map(|d| d.problems.len()).sum()
    }
}

/// What one file holds, beyond its checksum.
struct Summary {
    records: usize,
    /// Digest of the record ids in order, for files whose ids must agree across languages.
    ids: Option<[u8; 32]>,
    /// SIB-200 categories and the first line of each.
    categories: BTreeMap<String, usize>,
    /// The labels of a labels file.
    labels: Option<Vec<String>>,
}

/// One file to check.
struct Job<'a> {
    file: &'a FileSpec,
    lang: String,
    relative: String,
    path: PathBuf,
}

/// Checks datasets `names` (all of the registry when empty) under `root`: every file the layout
/// names exists, is UTF-8 and parses; parallel files hold the same number of records (the one
/// `datasets.toml` sets, when it does) with the same ids; SIB-200 categories are in the labels.
/// Files are read and hashed in parallel. Fails only for a missing root or an unknown name;
/// everything else is reported in [`DatasetReport::problems`].
pub fn verify_datasets(
    registry: &Registry,
    names: &[String],
    root: &Path,
) -> Result<VerifyReport, DataError> {
    check_data_root(root)?;
    let specs: Vec<&DatasetSpec> = if names.is_empty() {
        registry.datasets().collect()
    } else {
        names
            .iter()
            .map(|n| registry.dataset(n))
            .collect::<Result<_, _>>()?
    };
    let mut datasets = Vec::new();
    for spec in specs {
        datasets.push(verify_dataset(spec, root)?);
    }
    Ok(VerifyReport {
        root: root.to_path_buf(),
        datasets,
    })
}

/// Checks one dataset.
fn verify_dataset(spec: &DatasetSpec, root: &Path) -> Result<DatasetReport, DataError> {
    let mut report = DatasetReport {
        name: spec.name.clone(),
        languages: spec.languages(root)?,
        records: Vec::new(),
        checksums: BTreeMap::new(),
        missing: BTreeSet::new(),
        problems: Vec::new(),
    };
    if report.languages.is_empty() {
        let pattern = spec
            .files
            .iter()
            .find(|f| f.pattern.has_lang())
            .map_or_else(String::new, |f| f.pattern.as_str().to_string());
        report.problems.push(DataError::DatasetAbsent {
            dataset: spec.name.clone(),
            root: root.to_path_buf(),
            pattern,
        });
        return Ok(report);
    }
    let checked: Vec<(Job, Option<String>, Result<Summary, DataError>)> =
        jobs(spec, root, &report.languages)
            .into_par_iter()
            .map(|job| {
                let (sha256, summary) = check_file(&spec.name, &job);
                (job, sha256, summary)
            })
            .collect();
    let mut summaries: Vec<(Job, Summary)> = Vec::new();
    for (job, sha256, summary) in checked {
        if let Some(sha256) = sha256 {
            report.checksums.insert(job.relative.clone(), sha256);
        }
        match summary {
            Ok(summary) => summaries.push((job, summary)),
            Err(err) => {
                if matches!(err, DataError::MissingFile { .. }) {
                    report.missing.insert(job.relative.clone());
                }
                report.problems.push(err);
            }
        }
    }
    for file in &spec.files {
        let group: Vec<&(Job, Summary)> = summaries
            .iter()
            .filter(|(job, _)| std::ptr::eq(job.file, file))
            .collect();
        if let Some(expected) = check_parallel(file, &group, &mut report.problems) {
            report.records.push((file.name.clone(), expected));
        }
    }
    check_categories(&summaries, &mut report.problems);
    Ok(report)
}

/// One job per file the layout names for `languages`.
fn jobs<'a>(spec: &'a DatasetSpec, root: &Path, languages: &[String]) -> Vec<Job<'a>> {
    let mut jobs = Vec::new();
    for file in &spec.files {
        let langs: Vec<&str> = if file.pattern.has_lang() {
            languages.iter().map(String::as_str).collect()
        } else {
            vec![""]
        };
        for lang in langs {
            jobs.push(Job {
                file,
                lang: lang.to_string(),
                relative: file.pattern.relative(lang),
                path: file.pattern.path(root, lang),
            });
        }
    }
    jobs
}

/// Reads, hashes and parses one file: its sha256 (when it could be read) and what it holds.
fn check_file(dataset: &str, job: &Job) -> (Option<String>, Result<Summary, DataError>) {
    let bytes = match std::fs::read(&job.path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let err = DataError::MissingFile {
                dataset: dataset.to_string(),
                path: job.path.clone(),
            };
            return (None, Err(err));
        }
        Err(e) => return (None, Err(DataError::io(&job.path, e))),
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let summary = decode(bytes, &job.path)
        .and_then(|text| summarize(job.file.format, &text, &job.path, &job.lang));
    (Some(sha256), summary)
}

/// Parses `text` as `format`.
fn summarize(
    format: FileFormat,
    text: &str,
    path: &Path,
    lang: &str,
) -> Result<Summary, DataError> {
    let plain = |records: usize, ids: Option<[u8; 32]>| Summary {
        records,
        ids,
        categories: BTreeMap::new(),
        labels: None,
    };
    Ok(match format {
        FileFormat::Lines => plain(parse_flores_lines(text, path, lang)?.len(), None),
        FileFormat::FloresMetadata => plain(parse_flores_metadata(text, path)?.len(), None),
        FileFormat::LineTextTsv => {
            let rows = parse_dev_partial(text, path, lang)?;
            plain(
                rows.len(),
                Some(digest(rows.iter().map(|r| r.line.to_string()))),
            )
        }
        FileFormat::BelebeleJsonl => {
            let items = parse_belebele(text, path, lang)?;
            plain(items.len(), Some(digest(items.iter().map(|i| i.id()))))
        }
        FileFormat::SibTsv => {
            let items = parse_sib(text, path, lang)?;
            let mut summary = plain(
                items.len(),
                Some(digest(items.iter().map(|i| i.index_id.to_string()))),
            );
            // Header is line 1, so item i is on line i + 2.
            for (i, item) in items.iter().enumerate() {
                summary
                    .categories
                    .entry(item.category.clone())
                    .or_insert(i + 2);
            }
            summary
        }
        FileFormat::Labels => {
            let labels = parse_labels(text, path)?;
            let mut summary = plain(labels.len(), Some(digest(&labels)));
            summary.labels = Some(labels);
            summary
        }
    })
}

/// The sha256 of `items`, each followed by a newline.
fn digest<I: IntoIterator<Item = S>, S: AsRef<[u8]>>(items: I) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for item in items {
        hasher.update(item.as_ref());
        hasher.update(b"\n");
    }
    hasher.finalize().into()
}

/// The most common value (the larger one on a tie).
fn mode<T: Ord + Copy>(values: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(value, count)| (count, value))
        .map(|(value, _)| value)
}

/// Checks that the files of one pattern hold the expected number of records and the same ids;
/// returns the expected number of records.
fn check_parallel(
    file: &FileSpec,
    group: &[&(Job, Summary)],
    problems: &mut Vec<DataError>,
) -> Option<usize> {
    let expected = file
        .records
        .or_else(|| mode(group.iter().map(|(_, s)| s.records)))?;
    let agreeing = group.iter().filter(|(_, s)| s.records == expected).count();
    for (job, summary) in group.iter().filter(|(_, s)| s.records != expected) {
        let reason = match file.records {
            Some(n) if agreeing > 0 => {
                format!(
                    "datasets.toml sets records = {n}, and {agreeing} parallel files hold that many"
                )
            }
            Some(n) => format!("datasets.toml sets records = {n}"),
            None => format!("{agreeing} parallel files hold that many"),
        };
        problems.push(DataError::RecordCount {
            path: job.path.clone(),
            found: summary.records,
            expected,
            reason,
        });
    }
    let with_ids: Vec<(&Job, [u8; 32])> = group
        .iter()
        .filter(|(_, s)| s.records == expected)
        .filter_map(|(job, s)| s.ids.map(|ids| (job, ids)))
        .collect();
    let Some(common) = mode(with_ids.iter().map(|&(_, ids)| ids)) else {
        return Some(expected);
    };
    let same: Vec<&Job> = with_ids
        .iter()
        .filter(|&&(_, ids)| ids == common)
        .map(|&(job, _)| job)
        .collect();
    for &(job, _) in with_ids.iter().filter(|&&(_, ids)| ids != common) {
        problems.push(DataError::NotParallel {
            path: job.path.clone(),
            what: ids_name(file.format),
            siblings: same.len(),
            example: same[0].path.display().to_string(),
        });
    }
    Some(expected)
}

/// What the ids of a format are called in messages.
fn ids_name(format: FileFormat) -> &'static str {
    match format {
        FileFormat::LineTextTsv => "dev-split line numbers",
        FileFormat::BelebeleJsonl => "question ids (link#question_number)",
        FileFormat::SibTsv => "index_id values",
        FileFormat::Labels => "labels",
        FileFormat::Lines | FileFormat::FloresMetadata => "records",
    }
}

/// Checks that every SIB-200 category is one of the labels of its language.
fn check_categories(summaries: &[(Job, Summary)], problems: &mut Vec<DataError>) {
    let labels: HashMap<&str, (&Job, &Vec<String>)> = summaries
        .iter()
        .filter_map(|(job, s)| s.labels.as_ref().map(|l| (job.lang.as_str(), (job, l))))
        .collect();
    for (job, summary) in summaries {
        let Some((labels_job, labels)) = labels.get(job.lang.as_str()) else {
            continue;
        };
        for (category, &line) in &summary.categories {
            if !labels.contains(category) {
                problems.push(malformed(
                    &job.path,
                    line,
                    format!(
                        "category `{category}` is not a label of {}",
                        labels_job.path.display()
                    ),
                ));
            }
        }
    }
}
