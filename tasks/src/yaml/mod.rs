//! Tasks as files: lm-evaluation-harness's task YAML schema, read unchanged. A task file names
//! its dataset (a local builder with `data_files`, or a Hub dataset id resolved from a local
//! snapshot), its Jinja prompt fields, its output type and its metrics; `include:` merges base
//! files; groups and tags collect tasks. Fields that need Python are refused with the file and
//! line. See `docs/tasks.md`.

mod builtin;
mod dataset;
mod error;
mod family;
mod group;
mod index;
pub(crate) mod jinja;
mod native;
mod output_language;
mod prompt;
mod pyliteral;
mod pyrandom;
mod scoring;
mod source;
mod spec;
mod task;
mod turns;

use std::path::Path;

pub use builtin::{BUILTIN_ROOT, builtin_files};
pub use dataset::DataPlaces;
pub use error::TaskFileError;
pub use family::{Family, FamilyMiss, Instance, Params};
pub use group::aggregate_metrics;
pub use index::{Entry, TaskIndex, task_files};
pub use native::Localized;
pub use source::TaskSource;
pub use spec::{OUTPUT_TYPES, TaskSpec};
pub use task::{FEWSHOT_SEED, YamlTask};

use crate::config::{PromptLanguage, TaskConfig};
use crate::prompt_words::PromptWords;
use harness::languages::LanguageTable;

/// The task defined by the file at `path` (for a family file, its task of `params`, with its
/// native prompt under `--prompt-language native`), reported under `group`.
pub fn load_task(
    path: &Path,
    params: &Params,
    group: &str,
    config: TaskConfig,
    places: DataPlaces,
) -> Result<YamlTask, TaskFileError> {
    let mut source = TaskSource::load(path)?;
    let mut params = params.clone();
    let localized = native::localize(
        &mut source,
        &mut params,
        config.prompt.language,
        PromptWords::builtin(),
    )?;
    let source = if params.is_empty() {
        source
    } else {
        source.instantiate(&params)?
    };
    let spec = check(&source)?;
    Ok(YamlTask::new(source, spec, group.to_string(), config, places).with_prompt(localized))
}

/// Every problem of the task file at `path` that shows without its data: YAML, includes,
/// fields, values, metrics, Jinja syntax. Empty when the file is fine; a group file is checked
/// as a group (its `aggregate_metric_list`; its members are checked where they are), a family
/// file through each of its
/// tasks (the first problem is reported).
pub fn validate(path: &Path, table: &LanguageTable) -> Vec<TaskFileError> {
    let source = match TaskSource::load(path) {
        Ok(source) => source,
        Err(e) => return vec![e],
    };
    if source.fields.get("task").is_some_and(|t| t.is_array()) {
        return aggregate_metrics(&source).err().into_iter().collect();
    }
    let family = match Family::of(&source, table) {
        Ok(family) => family,
        Err(e) => return vec![e],
    };
    let Some(family) = family else {
        return check(&source).err().into_iter().collect();
    };
    let native = |member: &Instance| {
        let mut task = source.clone();
        let mut params = member.params.clone();
        native::localize(
            &mut task,
            &mut params,
            PromptLanguage::Native,
            PromptWords::builtin(),
        )?;
        check(&task.instantiate(&params)?)
    };
    family
        .members()
        .iter()
        .find_map(|member| {
            source
                .clone()
                .instantiate(&member.params)
                .and_then(|task| check(&task))
                .and_then(|_| native(member))
                .err()
        })
        .into_iter()
        .collect()
}

/// The config of `source`, with its metrics and templates checked.
fn check(source: &TaskSource) -> Result<TaskSpec, TaskFileError> {
    let spec = TaskSpec::from_source(source)?;
    let supported = scoring::supported(&spec.output_type);
    for metric in spec.metrics() {
        if !supported.contains(&metric.metric.as_str()) {
            return Err(source.error_at(
                "metric_list",
                format!(
                    "metric `{}` is not computed for output_type {}; babelbench computes {}",
                    metric.metric,
                    spec.output_type,
                    supported.join(", ")
                ),
            ));
        }
    }
    output_language::check(&spec, source)?;
    let templates = jinja::Templates::new();
    let fields = [
        ("doc_to_text", &spec.doc_to_text),
        ("doc_to_target", &spec.doc_to_target),
        ("doc_to_choice", &spec.doc_to_choice),
    ];
    for (name, field) in fields {
        if let Some(spec::Field::Text(template)) = field
            && let Err(e) = templates.check_syntax(template)
        {
            return Err(source.error_at(name, format!("Jinja syntax error: {e:#}")));
        }
    }
    Ok(spec)
}
