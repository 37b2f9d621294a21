//! Deriving the partial FLORES-200 dev split from SIB-200 on disk.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::DataError;
use super::flores::DEV_PARTIAL_HEADER;
use super::install::Staging;
use super::registry::{DatasetSpec, FileFormat, Registry, Source};
use super::sib::parse_sib;
use super::text::decode;

/// Builds dataset `dataset` (a `derived` source) under `root` from the SIB-200 dataset it names:
/// for every language, the rows of all SIB-200 splits whose index_id is below `dev_lines`,
/// sorted, written as `line<TAB>text` with a header. The files are written to a staging folder
/// and the folder is renamed into place; an existing folder is an error unless `force`.
/// Returns the installed folder.
pub fn derive_dataset(
    registry: &Registry,
    dataset: &str,
    root: &Path,
    force: bool,
) -> Result<Vec<PathBuf>, DataError> {
    let spec = registry.dataset(dataset)?;
    let fail = |message: String| DataError::Fetch {
        dataset: dataset.to_string(),
        message,
    };
    let Source::Derived { from, dev_lines } = &spec.source else {
        return Err(fail("it is downloaded as an archive, not derived".into()));
    };
    let target = match spec.files.as_slice() {
        [file] if file.format == FileFormat::LineTextTsv => &file.pattern,
        _ => {
            return Err(fail(
                "a derived dataset must have exactly one file, of format line-text-tsv".into(),
            ));
        }
    };
    let (folder, file_name) = target
        .as_str()
        .rsplit_once('/')
        .filter(|(folder, name)| !folder.contains("{lang}") && name.contains("{lang}"))
        .ok_or_else(|| {
            fail("its pattern must have `{lang}` in the file name, not a folder".into())
        })?;
    let source = registry.dataset(from)?;
    let languages = source.languages(root)?;
    if languages.is_empty() {
        return Err(fail(format!(
            "it is built from {from}, which is not under {}; run `babelbench data fetch {from}` first",
            root.display()
        )));
    }
    let staging = Staging::new(root)?;
    let leaf = folder.rsplit('/').next().unwrap_or(folder);
    let out_dir = staging.new_dir().join(leaf);
    std::fs::create_dir(&out_dir).map_err(|e| DataError::io(&out_dir, e))?;
    languages.par_iter().try_for_each(|lang| {
        let text = dev_lines_tsv(source, root, lang, *dev_lines)?;
        let out = out_dir.join(file_name.replace("{lang}", lang));
        std::fs::write(&out, text).map_err(|e| DataError::io(&out, e))
    })?;
    let parent = folder
        .rsplit_once('/')
        .map_or(root.to_path_buf(), |(parent, _)| {
            parent.split('/').fold(root.to_path_buf(), |p, c| p.join(c))
        });
    staging.install_into(&parent, force)
}

/// The dev-partial TSV of `lang`: the rows of every SIB-200 split with index_id < `dev_lines`.
fn dev_lines_tsv(
    source: &DatasetSpec,
    root: &Path,
    lang: &str,
    dev_lines: u32,
) -> Result<String, DataError> {
    let mut rows: Vec<(u32, String, PathBuf)> = Vec::new();
    for file in source
        .files
        .iter()
        .filter(|f| f.format == FileFormat::SibTsv)
    {
        let path = file.pattern.path(root, lang);
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => DataError::MissingFile {
                dataset: source.name.clone(),
                path: path.clone(),
            },
            _ => DataError::io(&path, e),
        })?;
        let text = decode(bytes, &path)?;
        for item in parse_sib(&text, &path, lang)? {
            if item.index_id < dev_lines {
                rows.push((item.index_id, item.text, path.clone()));
            }
        }
    }
    rows.sort_by_key(|(line, _, _)| *line);
    if let Some(pair) = rows.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(DataError::Fetch {
            dataset: source.name.clone(),
            message: format!(
                "index_id {} appears in both {} and {}; restore the SIB-200 files",
                pair[0].0,
                pair[0].2.display(),
                pair[1].2.display()
            ),
        });
    }
    let mut out = DEV_PARTIAL_HEADER.join("\t");
    out.push('\n');
    for (line, text, _) in rows {
        out.push_str(&format!("{line}\t{text}\n"));
    }
    Ok(out)
}
