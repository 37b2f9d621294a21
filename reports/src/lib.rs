//! babelbench reports: the parquet files of a run folder ([`run_files`]), leaderboards
//! ([`leaderboard`]) with CSV and Markdown export ([`table`]), checkpoint comparison with a
//! paired bootstrap ([`compare()`]), history over runs ([`history`]), MEXA curves and
//! correlations ([`mexa`]), the output-language check of translations ([`output_language`])
//! and a static HTML site with SVG charts ([`site`]).

pub mod bootstrap;
pub mod compare;
pub mod data;
pub mod error;
pub mod history;
pub mod leaderboard;
pub mod metrics;
pub mod mexa;
pub mod output_language;
pub mod run;
pub mod run_files;
pub mod site;
pub mod stats;
pub mod svg;
pub mod table;

pub use compare::{compare, compare_with};
pub use error::ReportError;
