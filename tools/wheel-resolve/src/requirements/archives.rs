//! Requirements that name a wheel or an sdist file without a project name,
//! in pip's spellings: a path (`./dist/a-1.0-py3-none-any.whl`,
//! `/abs/a-1.0.tar.gz`, `dist/a-1.0.zip`, even a bare
//! `a-1.0-py3-none-any.whl`), a `file:` URL or an `http(s)` URL (maybe with
//! a `#sha256=` fragment), each maybe with `[extras]` and `; marker`. Each
//! becomes the `name @ URL` requirement that means the same, so the rest of
//! the tools (resolver::direct, direct_url.json) see one spelling. The name
//! is the wheel's (from its file name), the `#egg=` fragment's, or the
//! sdist's file name up to its last `-`, the rule the resolver matches an
//! sdist's file name by. As in pip, a word is a file when it ends in an
//! archive extension; a relative path starts from the folder of the file
//! that names it, or, when no file is there, from the working folder (pip's
//! only rule).

use std::path::Path;

use wheelpipe::wheel_name::WheelFilename;

use super::trees::{is_distribution as is_archive, split_extras};

/// The `name @ URL` requirement `text` stands for, `None` when `text` is
/// no nameless distribution file, or why the file cannot be used.
pub fn parse(text: &str, base: &Path) -> Option<Result<String, String>> {
    let url_like = text.contains("://") || text.to_ascii_lowercase().starts_with("file:");
    // pip splits a URL's marker at `; ` (a URL may hold `;`), a path's at `;`.
    let (spec, marker) = match text.split_once(if url_like { "; " } else { ";" }) {
        Some((spec, marker)) => (spec.trim(), Some(marker.trim())),
        None => (text.trim(), None),
    };
    let (spec, extras) = split_extras(spec);
    let url = if url_like {
        archive_url(spec)?
    } else {
        if !is_archive(spec) || named_before_at(spec) {
            return None;
        }
        local_file(spec, base)
    };
    Some(url.and_then(|url| {
        let name = project_name(&url).map_err(|e| format!("`{text}`: {e}"))?;
        let extras = if extras.is_empty() { String::new() } else { format!("[{}]", extras.join(",")) };
        let marker = marker.map(|m| format!(" ; {m}")).unwrap_or_default();
        Ok(format!("{name}{extras} @ {url}{marker}"))
    }))
}

/// `name @ x.whl`: pip reads a word before `@` that is no path as a name.
fn named_before_at(spec: &str) -> bool {
    spec.split_once('@').is_some_and(|(before, _)| !looks_like_path(before.trim()))
}

fn looks_like_path(text: &str) -> bool {
    text.starts_with('.') || text.contains('/')
}

/// An `http(s)` or `file:` URL of a wheel or an sdist, `None` for any other URL.
fn archive_url(spec: &str) -> Option<Result<String, String>> {
    let url = url::Url::parse(spec).ok()?;
    if !matches!(url.scheme(), "http" | "https" | "file") || !is_archive(url.path()) {
        return None;
    }
    if url.scheme() == "file" {
        let shown = wheelpipe::http::redact(spec);
        return Some(match url.to_file_path() {
            Ok(path) if path.is_file() => Ok(spec.to_string()),
            Ok(path) => Err(format!("`{shown}`: no such file: {}", path.display())),
            Err(()) => Err(format!("`{shown}`: not a local file URL")),
        });
    }
    Some(Ok(spec.to_string()))
}

/// The `file:` URL of the file at `spec`, relative to `base` or else to the working folder.
fn local_file(spec: &str, base: &Path) -> Result<String, String> {
    let candidates = [base.join(spec), Path::new(spec).to_path_buf()];
    let found = candidates.iter().find(|p| p.is_file()).ok_or_else(|| {
        let tried = std::path::absolute(&candidates[0]).unwrap_or(candidates[0].clone());
        format!("`{spec}`: no such file: {}", tried.display())
    })?;
    let absolute = std::path::absolute(found).map_err(|e| format!("`{spec}`: {e}"))?;
    let url = url::Url::from_file_path(super::normalize_path(&absolute))
        .map_err(|()| format!("`{spec}`: cannot make a URL of {}", absolute.display()))?;
    Ok(url.to_string())
}

/// The project of a wheel or sdist URL: `#egg=`, else the file name's.
fn project_name(url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
    let egg = parsed.fragment().into_iter().flat_map(|f| f.split('&')).find_map(|p| p.strip_prefix("egg="));
    if let Some(egg) = egg.filter(|e| !e.is_empty()) {
        return Ok(egg.to_string());
    }
    let (filename, _) = wheelpipe::index::split_file_url(parsed, &mut Default::default());
    if filename.to_ascii_lowercase().ends_with(".whl") {
        let wheel = WheelFilename::parse(&filename).map_err(|e| format!("not a wheel's file name: {e:#}"))?;
        return Ok(wheel.name.to_string());
    }
    match wheelpipe::wheel_name::sdist_name_version(&filename) {
        Some((name, version)) if !name.is_empty() && !version.is_empty() => Ok(name.to_string()),
        _ => Err(format!("{filename} is not an sdist's file name (NAME-VERSION.tar.gz)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str, base: &Path) -> String {
        parse(text, base).unwrap().unwrap()
    }

    #[test]
    fn paths_and_urls_of_files_become_name_at_url() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("sub");
        std::fs::create_dir_all(base.join("dist")).unwrap();
        std::fs::write(base.join("dist/My_Pkg-1.0-py3-none-any.whl"), "").unwrap();
        std::fs::write(base.join("dist/other-pkg-2.0.tar.gz"), "").unwrap();
        let url = url::Url::from_file_path(base.join("dist/My_Pkg-1.0-py3-none-any.whl")).unwrap();
        assert_eq!(req("./dist/My_Pkg-1.0-py3-none-any.whl", &base), format!("My_Pkg @ {url}"));
        assert_eq!(
            req("dist/My_Pkg-1.0-py3-none-any.whl[a, b]; python_version > '3'", &base),
            format!("My_Pkg[a,b] @ {url} ; python_version > '3'")
        );
        assert_eq!(req("../sub/dist/other-pkg-2.0.tar.gz", &base).split_once(" @ ").unwrap().0, "other-pkg");
        assert_eq!(req(url.as_str(), Path::new("/")), format!("My_Pkg @ {url}"));
        let http = "http://127.0.0.1:9/f/x_y-1.0.zip#sha256=00";
        assert_eq!(req(http, &base), format!("x_y @ {http}"));
        let egg = "https://host.example/f/thing.tar.gz#egg=real";
        assert_eq!(req(egg, &base), format!("real @ {egg}"));
        for not_a_file in ["requests", "pkg @ http://127.0.0.1/pkg-1.0.tar.gz", "git+https://host.example/r"]
        {
            assert!(parse(not_a_file, &base).is_none(), "{not_a_file}");
        }
        let missing = parse("./dist/gone-1.0.tar.gz", &base).unwrap().unwrap_err();
        assert!(missing.contains("no such file") && missing.contains("gone-1.0.tar.gz"), "{missing}");
        std::fs::write(base.join("dist/x.whl"), "").unwrap();
        let bad = parse("dist/x.whl", &base).unwrap().unwrap_err();
        assert!(bad.starts_with("`dist/x.whl`: not a wheel's file name"), "{bad}");
    }
}
