//! The dataset checksums a run records: the `datasets.lock` entries of the files its tasks read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use harness::data::{Lock, is_lang_code};
use harness::task::Task;

/// The lock file shipped with babelbench, describing the official data releases.
const BUILTIN_LOCK: &str = include_str!("../../../datasets.lock");

/// The datasets a task group reads.
fn datasets_of(group: &str) -> &'static [&'static str] {
    match group {
        "belebele" => &["belebele"],
        "flores" => &["flores200_devtest", "flores200_dev_partial"],
        "sib200" => &["sib200"],
        "mexa" | "bpb" | "tokenizer_premium" => &["flores200_devtest"],
        _ => &[],
    }
}

/// The language code a data file belongs to, if any (`flores200/devtest/fra_Latn.devtest`,
/// `sib200/annotated/fra_Latn/test.tsv`).
fn language_of(path: &str) -> Option<&str> {
    path.split('/')
        .map(|part| part.split('.').next().unwrap_or(part))
        .find(|part| is_lang_code(part))
}

/// sha256 of every data file the tasks read: the files of their languages and of English (every
/// task's pivot), and the files shared by all languages, keyed `dataset/path`; and the files of
/// tasks defined by files, keyed `task:NAME:PATH`.
pub fn for_tasks(tasks: &[Box<dyn Task>]) -> anyhow::Result<BTreeMap<String, String>> {
    let lock = Lock::parse(BUILTIN_LOCK, Path::new("datasets.lock"))?;
    let mut languages: BTreeSet<&str> = tasks.iter().map(|t| t.language()).collect();
    languages.insert("eng_Latn");
    let datasets: BTreeSet<&str> = tasks
        .iter()
        .flat_map(|t| datasets_of(t.group()).iter().copied())
        .collect();
    let mut sums = BTreeMap::new();
    for dataset in datasets {
        for (path, sha) in lock.files(dataset).into_iter().flatten() {
            if language_of(path).is_none_or(|lang| languages.contains(lang)) {
                sums.insert(format!("{dataset}/{path}"), sha.clone());
            }
        }
    }
    for task in tasks {
        for file in task.data_files()? {
            let key = format!("task:{}:{}", task.name(), file.display());
            sums.insert(key, harness::data::sha256_file(&file)?);
        }
    }
    Ok(sums)
}
