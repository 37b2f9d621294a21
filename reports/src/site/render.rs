//! The template environment: the embedded minijinja templates, the inline style and script, and
//! writing rendered pages.

use std::path::Path;

use minijinja::{Environment, Value};
use serde::Serialize;

use crate::error::ReportError;

/// The embedded templates, by name.
const TEMPLATES: [(&str, &str); 10] = [
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("model.html", include_str!("../../templates/model.html")),
    ("group.html", include_str!("../../templates/group.html")),
    ("mexa.html", include_str!("../../templates/mexa.html")),
    (
        "samples_index.html",
        include_str!("../../templates/samples_index.html"),
    ),
    ("samples.html", include_str!("../../templates/samples.html")),
    ("history.html", include_str!("../../templates/history.html")),
    ("compare.html", include_str!("../../templates/compare.html")),
];

/// The site's style sheet, inlined in every page.
const STYLE: &str = include_str!("../../templates/site.css");
/// The site's script (sorting, filtering, view selection), inlined in every page.
const SCRIPT: &str = include_str!("../../templates/site.js");

/// A link of the navigation bar.
#[derive(Debug, Clone, Serialize)]
pub struct NavLink {
    /// Text.
    pub name: String,
    /// Target relative to the site root.
    pub href: String,
}

/// The navigation bar's entries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Nav {
    /// Whether the page belongs to a site (false for a standalone page, which shows no bar).
    pub site: bool,
    /// One link per task group page.
    pub groups: Vec<NavLink>,
    /// Whether the site has a MEXA page.
    pub mexa: bool,
    /// Whether the site has a history page.
    pub history: bool,
}

/// Renders the embedded templates to files.
pub struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    /// The environment with every template and the navigation bar `nav`.
    pub fn new(nav: &Nav) -> Result<Self, ReportError> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|source| ReportError::Template {
                    template: name.to_string(),
                    source,
                })?;
        }
        env.add_global("site_style", Value::from_safe_string(STYLE.to_string()));
        env.add_global("site_script", Value::from_safe_string(SCRIPT.to_string()));
        env.add_global("version", env!("CARGO_PKG_VERSION"));
        env.add_global("nav", Value::from_serialize(nav));
        Ok(Renderer { env })
    }

    /// Renders `template` with `context` into `out_root/page`, creating folders as needed.
    pub fn write(
        &self,
        template: &str,
        context: Value,
        out_root: &Path,
        page: &str,
    ) -> Result<(), ReportError> {
        let html = self
            .env
            .get_template(template)
            .and_then(|t| t.render(context))
            .map_err(|source| ReportError::Template {
                template: template.to_string(),
                source,
            })?;
        write_file(&out_root.join(page), &html)
    }
}

/// Writes `text` to `path`, creating its folder.
pub fn write_file(path: &Path, text: &str) -> Result<(), ReportError> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .map_err(|source| ReportError::io("cannot create", folder, source))?;
    }
    std::fs::write(path, text).map_err(|source| ReportError::io("cannot write", path, source))
}

/// The prefix that leads from `page` (relative to the site root) back to the root.
pub fn root_of(page: &str) -> String {
    "../".repeat(page.matches('/').count())
}
