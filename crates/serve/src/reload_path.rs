//! Where `POST /admin/reload` may load a run from: a folder under the runs root given at start
//! (`--runs-root`), named relative to it or absolutely, never through `..` and never through a
//! symbolic link that leads out of it. A refusal never says whether a path outside the root
//! exists, nor echoes it.

use std::path::{Component, Path, PathBuf};

use axum::http::StatusCode;

use crate::error::ApiError;

/// The message of every path that is not a folder under the root, whatever the reason.
const NOT_UNDER_ROOT: &str = "`run` is not a folder under the server's runs root";

/// The canonical folder `requested` names under `root`.
pub fn resolve(root: Option<&Path>, requested: &Path) -> Result<PathBuf, ApiError> {
    let Some(root) = root else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            Some("run"),
            "loading a run from a path needs the server started with --runs-root DIR; \
             without `run`, a reload re-reads the served run's own folder",
        ));
    };
    if requested
        .components()
        .any(|c| matches!(c, Component::ParentDir))
    {
        return Err(ApiError::bad("run", "`run` may not contain `..`"));
    }
    let joined = if requested.is_absolute() {
        requested.to_path_buf()
    } else {
        root.join(requested)
    };
    match joined.canonicalize() {
        Ok(real) if real.starts_with(root) && real.is_dir() => Ok(real),
        _ => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("run"),
            NOT_UNDER_ROOT,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_folders_under_the_root_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("runs");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        let root = root.canonicalize().unwrap();
        assert_eq!(
            resolve(Some(&root), Path::new("a")).unwrap(),
            root.join("a")
        );
        assert_eq!(
            resolve(Some(&root), &root.join("a")).unwrap(),
            root.join("a")
        );
        let status = |p: &Path| resolve(Some(&root), p).unwrap_err().status.as_u16();
        assert_eq!(status(Path::new("../outside")), 400);
        assert_eq!(status(&dir.path().join("outside")), 422);
        assert_eq!(status(Path::new("missing")), 422);
        assert_eq!(status(Path::new("/")), 422);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("outside"), root.join("link")).unwrap();
            assert_eq!(status(Path::new("link")), 422);
        }
        // A refusal does not echo the path it was given.
        let e = resolve(Some(&root), &dir.path().join("outside")).unwrap_err();
        assert!(!e.message.contains("outside"), "{}", e.message);
        assert_eq!(
            resolve(None, Path::new("a")).unwrap_err().status.as_u16(),
            403
        );
    }
}
