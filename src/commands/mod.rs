//! One module per subcommand.

pub mod compare;
pub mod data;
pub mod merge;
pub mod model;
pub mod mt_score;
pub mod report;
pub mod run;
pub mod tasks;
pub mod threads;
