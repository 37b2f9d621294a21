//! What every page of a site build shares: the data, the page names and the renderer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use minijinja::Value;

use super::paths::unique_slugs;
use super::render::{Nav, NavLink, Renderer, root_of, write_file};
use super::{Site, query_error};
use crate::data::{PrimaryScore, ReportData};
use crate::error::ReportError;
use crate::output_language::{OutputLanguageRow, output_language_rows};
use crate::run::Run;
use harness::languages::LanguageTable;

/// Shared state of one site build.
pub(crate) struct SiteContext<'a> {
    pub data: &'a ReportData,
    pub scores: Vec<PrimaryScore>,
    pub languages: &'a LanguageTable,
    /// Run label → page, relative to the root.
    pub model_pages: BTreeMap<String, String>,
    /// Group → page, relative to the root.
    pub group_pages: BTreeMap<String, String>,
    /// (task, language) → sample page, relative to the root.
    pub sample_pages: BTreeMap<(String, String), String>,
    /// Model families with more than one run, each in start-time order.
    pub families: Vec<(String, Vec<Run>)>,
    /// The output-language results of the runs' generation tasks.
    pub output_language: Vec<OutputLanguageRow>,
    renderer: Renderer,
    out: PathBuf,
    pages: Vec<PathBuf>,
    tables: Vec<PathBuf>,
}

impl<'a> SiteContext<'a> {
    pub fn new(
        data: &'a ReportData,
        languages: &'a LanguageTable,
        out: &Path,
    ) -> Result<Self, ReportError> {
        let scores = data
            .primary_scores()
            .map_err(query_error(data, "read the primary metrics"))?;
        let model_pages = unique_slugs(data.runs.iter().map(|r| r.label.as_str()))
            .into_iter()
            .map(|(label, slug)| (label, format!("models/{slug}.html")))
            .collect();
        let group_pages: BTreeMap<String, String> =
            unique_slugs(data.groups.iter().map(|g| g.group.as_str()))
                .into_iter()
                .map(|(group, slug)| (group, format!("groups/{slug}.html")))
                .collect();
        let pairs: BTreeSet<(String, String)> = scores
            .iter()
            .map(|s| (s.task.clone(), s.language.clone()))
            .collect();
        let keys: Vec<String> = pairs.iter().map(|(t, l)| format!("{t}--{l}")).collect();
        let slugs = unique_slugs(keys.iter().map(String::as_str));
        let sample_pages = pairs
            .into_iter()
            .zip(&keys)
            .map(|(pair, key)| (pair, format!("samples/{}.html", slugs[key])))
            .collect();
        let families = families(&data.runs);
        let output_language = output_language_rows(&data.runs)?;
        let nav = Nav {
            site: true,
            groups: data
                .groups
                .iter()
                .map(|g| NavLink {
                    name: g.group.clone(),
                    href: group_pages[&g.group].clone(),
                })
                .collect(),
            mexa: !data.layers.is_empty(),
            history: !families.is_empty(),
        };
        Ok(SiteContext {
            data,
            scores,
            languages,
            model_pages,
            group_pages,
            sample_pages,
            families,
            output_language,
            renderer: Renderer::new(&nav)?,
            out: out.to_path_buf(),
            pages: Vec::new(),
            tables: Vec::new(),
        })
    }

    /// Renders `template` into `page` (relative to the root); the context gets `title` and `root`.
    pub fn page(
        &mut self,
        template: &str,
        page: &str,
        title: &str,
        context: Value,
    ) -> Result<(), ReportError> {
        let context = minijinja::context! { title => title, root => root_of(page), ..context };
        self.renderer.write(template, context, &self.out, page)?;
        self.pages.push(PathBuf::from(page));
        Ok(())
    }

    /// Writes `table` as `base.csv` and `base.md` (relative to the root).
    pub fn export(&mut self, base: &str, table: &crate::table::Table) -> Result<(), ReportError> {
        for (extension, text) in [("csv", table.to_csv()), ("md", table.to_markdown())] {
            let file = format!("{base}.{extension}");
            write_file(&self.out.join(&file), &text)?;
            self.tables.push(PathBuf::from(file));
        }
        Ok(())
    }

    /// Writes `frame` to `file` (relative to the root) with `write`, and lists it among the
    /// exports.
    pub fn write_data(
        &mut self,
        file: &str,
        frame: &mut polars::prelude::DataFrame,
        write: fn(&Path, &mut polars::prelude::DataFrame) -> Result<(), ReportError>,
    ) -> Result<(), ReportError> {
        write(&self.out.join(file), frame)?;
        self.tables.push(PathBuf::from(file));
        Ok(())
    }

    /// `target` (relative to the root) as a link from `page` (relative to the root).
    pub fn href(page: &str, target: &str) -> String {
        format!("{}{target}", root_of(page))
    }

    pub fn finish(self) -> Site {
        Site {
            root: self.out,
            pages: self.pages,
            tables: self.tables,
        }
    }
}

/// Runs grouped by model name, for names with more than one run, each ordered by start time.
fn families(runs: &[Run]) -> Vec<(String, Vec<Run>)> {
    let mut by_name: BTreeMap<&str, Vec<Run>> = BTreeMap::new();
    for run in runs {
        by_name
            .entry(&run.manifest.model_name)
            .or_default()
            .push(run.clone());
    }
    by_name
        .into_iter()
        .filter(|(_, runs)| runs.len() > 1)
        .map(|(name, mut runs)| {
            runs.sort_by(|a, b| a.manifest.started_at.cmp(&b.manifest.started_at));
            (name.to_string(), runs)
        })
        .collect()
}
