//! Installing prepared files into the data root without leaving half-written data behind.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::DataError;

/// A staging folder inside the data root (so that renames out of it stay on one file system);
/// removed with whatever is left in it when dropped.
pub(crate) struct Staging {
    dir: TempDir,
}

impl Staging {
    /// Creates the data root if needed and a staging folder inside it.
    pub fn new(root: &Path) -> Result<Staging, DataError> {
        std::fs::create_dir_all(root).map_err(|e| DataError::io(root, e))?;
        let dir = tempfile::Builder::new()
            .prefix(".babelbench-staging-")
            .tempdir_in(root)
            .map_err(|e| DataError::io(root, e))?;
        let staging = Staging { dir };
        for sub in [staging.new_dir(), staging.old_dir()] {
            std::fs::create_dir(&sub).map_err(|e| DataError::io(&sub, e))?;
        }
        Ok(staging)
    }

    /// Where the new content is prepared.
    pub fn new_dir(&self) -> PathBuf {
        self.dir.path().join("new")
    }

    /// Where replaced content is moved before it is deleted.
    fn old_dir(&self) -> PathBuf {
        self.dir.path().join("old")
    }

    /// Moves every entry of [`Staging::new_dir`] into `target` (created if needed), each with one
    /// rename. Unless `force`, fails before moving anything when an entry exists in `target`;
    /// with `force`, existing entries are replaced. Returns the installed paths.
    pub fn install_into(&self, target: &Path, force: bool) -> Result<Vec<PathBuf>, DataError> {
        let new_dir = self.new_dir();
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&new_dir).map_err(|e| DataError::io(&new_dir, e))? {
            names.push(entry.map_err(|e| DataError::io(&new_dir, e))?.file_name());
        }
        names.sort();
        if !force
            && let Some(existing) = names
                .iter()
                .map(|name| target.join(name))
                .find(|path| path.symlink_metadata().is_ok())
        {
            return Err(DataError::TargetExists { path: existing });
        }
        std::fs::create_dir_all(target).map_err(|e| DataError::io(target, e))?;
        let mut installed = Vec::new();
        for name in names {
            let dest = target.join(&name);
            if dest.symlink_metadata().is_ok() {
                let aside = self.old_dir().join(&name);
                std::fs::rename(&dest, &aside).map_err(|e| DataError::io(&dest, e))?;
            }
            std::fs::rename(new_dir.join(&name), &dest).map_err(|e| DataError::io(&dest, e))?;
            installed.push(dest);
        }
        Ok(installed)
    }
}
