//! The leaderboard: models × task groups, each cell the macro average over a group's tasks and
//! languages of its primary metric, overall and restricted to one resource class or one script.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::data::{ReportData, floats, strings};
use crate::error::ReportError;
use crate::stats::mean;
use crate::table::{Cell, Table};

/// Header of the column averaging a row over the higher-is-better groups scored in the view.
pub const AVERAGE_COLUMN: &str = "average";

/// Which languages a leaderboard view averages over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LanguageFilter {
    /// Every language.
    All,
    /// Languages of one resource class.
    Class(u8),
    /// Languages written in one script.
    Script(String),
}

impl LanguageFilter {
    /// A short identifier usable in file names, e.g. `overall`, `class-3`, `script-Latn`.
    pub fn key(&self) -> String {
        match self {
            LanguageFilter::All => "overall".to_string(),
            LanguageFilter::Class(class) => format!("class-{class}"),
            LanguageFilter::Script(script) => format!("script-{script}"),
        }
    }

    /// A heading, e.g. `All languages`, `Resource class 3`, `Script Latn`.
    pub fn title(&self) -> String {
        match self {
            LanguageFilter::All => "All languages".to_string(),
            LanguageFilter::Class(class) => format!("Resource class {class}"),
            LanguageFilter::Script(script) => format!("Script {script}"),
        }
    }

    fn expr(&self) -> Expr {
        match self {
            LanguageFilter::All => lit(true),
            LanguageFilter::Class(class) => col("class").eq(lit(u32::from(*class))),
            LanguageFilter::Script(script) => col("script").eq(lit(script.as_str())),
        }
    }
}

/// One leaderboard table.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaderboardView {
    /// The languages it averages over.
    pub filter: LanguageFilter,
    /// Columns `model`, one per group (`group (metric)`), then [`AVERAGE_COLUMN`]; one row per model.
    pub table: Table,
}

/// Every leaderboard view: overall, then per resource class, then per script.
pub fn leaderboards(data: &ReportData) -> Result<Vec<LeaderboardView>, ReportError> {
    let polars_error = |source| ReportError::Query {
        action: "compute the leaderboard",
        dirs: data
            .runs
            .iter()
            .map(|run| run.dir.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        source,
    };
    let mut filters = vec![LanguageFilter::All];
    filters.extend(
        data.classes()
            .map_err(polars_error)?
            .into_iter()
            .map(LanguageFilter::Class),
    );
    filters.extend(
        data.scripts()
            .map_err(polars_error)?
            .into_iter()
            .map(LanguageFilter::Script),
    );
    filters
        .into_iter()
        .map(|filter| {
            let table = view_table(data, &filter).map_err(polars_error)?;
            Ok(LeaderboardView { filter, table })
        })
        .collect()
}

/// The macro average per model and group for `filter`, as a table.
fn view_table(data: &ReportData, filter: &LanguageFilter) -> PolarsResult<Table> {
    let averages = data
        .primary
        .clone()
        .lazy()
        .filter(filter.expr())
        .group_by([col("model"), col("group")])
        .agg([col("value").mean().alias("value")])
        .collect()?;
    let (models, groups, values) = (
        strings(&averages, "model")?,
        strings(&averages, "group")?,
        floats(&averages, "value")?,
    );
    let cells: BTreeMap<(&str, &str), f64> = models
        .iter()
        .zip(&groups)
        .zip(&values)
        .filter_map(|((m, g), v)| Some(((m.as_str(), g.as_str()), (*v)?)))
        .collect();
    // The average spans the higher-is-better groups scored in this view; a model missing one of
    // them has no average.
    let present: BTreeSet<&str> = cells.keys().map(|(_, group)| *group).collect();
    let mut columns = vec!["model".to_string()];
    columns.extend(
        data.groups
            .iter()
            .map(|g| format!("{} ({})", g.group, g.metric)),
    );
    columns.push(AVERAGE_COLUMN.to_string());
    let rows = data
        .models()
        .iter()
        .map(|model| {
            let mut row = vec![Cell::Text(model.clone())];
            let values: Vec<Option<f64>> = data
                .groups
                .iter()
                .map(|g| cells.get(&(model.as_str(), g.group.as_str())).copied())
                .collect();
            let averaged: Option<Vec<f64>> = data
                .groups
                .iter()
                .zip(&values)
                .filter(|(g, _)| g.higher_is_better && present.contains(g.group.as_str()))
                .map(|(_, v)| *v)
                .collect();
            row.extend(values.iter().map(|v| Cell::Number(*v)));
            row.push(Cell::Number(averaged.and_then(|v| mean(&v))));
            row
        })
        .collect();
    Ok(Table {
        columns,
        rows,
        decimals: 1,
    })
}
