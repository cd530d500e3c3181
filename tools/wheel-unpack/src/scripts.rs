//! Launchers for `console_scripts` and `gui_scripts` entry points, written byte
//! for byte as pip writes them on POSIX (its vendored distlib's template and
//! shebang rules), and the `#!python` rewrite of `.data/scripts` files.

use anyhow::{bail, Context, Result};

/// One `name = module:attr` line of `[console_scripts]` or `[gui_scripts]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryPoint {
    pub name: String,
    pub module: String,
    pub attr: String,
    pub gui: bool,
}

fn is_dotted_name(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

/// The script entry points of an `entry_points.txt`, in file order (a later
/// line with the same name wins, as in pip's dict).
pub fn parse_entry_points(text: &str) -> Result<Vec<EntryPoint>> {
    let mut section = String::new();
    let mut out: Vec<EntryPoint> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        let gui = match section.as_str() {
            "console_scripts" => false,
            "gui_scripts" => true,
            _ => continue,
        };
        let at = || format!("entry_points.txt line {}", i + 1);
        let (name, value) = line.split_once('=').with_context(|| format!("{}: no `=` in {line:?}", at()))?;
        let (name, value) = (name.trim(), value.trim());
        // Extras (`[extra]`) after the callable do not change the launcher.
        let value = value.split('[').next().unwrap_or("").trim();
        let Some((module, attr)) = value.split_once(':') else {
            bail!("{}: invalid script entry point {name} = {value}: a callable suffix (module:function) is required", at());
        };
        let (module, attr) = (module.trim(), attr.trim());
        if !is_dotted_name(module) || !is_dotted_name(attr) {
            bail!("{}: invalid script entry point {name} = {value}", at());
        }
        check_script_name(name).with_context(at)?;
        let ep = EntryPoint { name: name.into(), module: module.into(), attr: attr.into(), gui };
        out.retain(|e| e.name != ep.name || e.gui != ep.gui);
        out.push(ep);
    }
    Ok(out)
}

/// Refuses script names that are paths or that would replace the venv's
/// own interpreter.
pub fn check_script_name(name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
        bail!("script name {name:?} is not a plain file name");
    }
    let rest = name.strip_prefix("python").map(|r| r.strip_suffix('w').unwrap_or(r));
    if let Some(rest) = rest {
        let (major, minor) = rest.split_once('.').unwrap_or((rest, "0"));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if digits(major) && !minor.is_empty() && digits(minor) {
            bail!("script name {name:?} would replace the virtualenv's python");
        }
    }
    Ok(())
}

/// pip's special case: a `pip` entry point becomes `pip`, `pipX`, `pipX.Y`
/// (other versioned pip entries dropped), `easy_install` becomes
/// `easy_install` and `easy_install-X.Y`.
pub fn pip_variants(scripts: Vec<EntryPoint>, major: u32, minor: u32) -> Vec<EntryPoint> {
    let find = |n: &str| scripts.iter().find(|e| !e.gui && e.name == n).cloned();
    let is_versioned_pip = |n: &str| {
        n.strip_prefix("pip").is_some_and(|r| {
            let (a, b) = r.split_once('.').unwrap_or((r, "0"));
            !a.is_empty()
                && a.chars().all(|c| c.is_ascii_digit())
                && !b.is_empty()
                && b.chars().all(|c| c.is_ascii_digit())
        })
    };
    let is_versioned_easy = |n: &str| {
        n.strip_prefix("easy_install-").is_some_and(|r| {
            r.split_once('.').is_some_and(|(a, b)| {
                [a, b].iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            })
        })
    };
    let (pip, easy) = (find("pip"), find("easy_install"));
    let mut out: Vec<EntryPoint> = scripts
        .into_iter()
        .filter(|e| {
            e.gui
                || !((pip.is_some() && (e.name == "pip" || is_versioned_pip(&e.name)))
                    || (easy.is_some() && (e.name == "easy_install" || is_versioned_easy(&e.name))))
        })
        .collect();
    if let Some(p) = pip {
        for name in ["pip".to_string(), format!("pip{major}"), format!("pip{major}.{minor}")] {
            out.push(EntryPoint { name, ..p.clone() });
        }
    }
    if let Some(e) = easy {
        for name in ["easy_install".to_string(), format!("easy_install-{major}.{minor}")] {
            out.push(EntryPoint { name, ..e.clone() });
        }
    }
    out
}

/// The shebang of a generated launcher, newline included: `#!{python}`, or
/// the `/bin/sh` trampoline when the path has a space or the line would be
/// longer than 127 bytes, which distlib's `_write_script` ends with a
/// newline like any shebang.
pub fn shebang(python: &str) -> String {
    let executable = if python.contains(' ') { format!("\"{python}\"") } else { python.to_string() };
    if !executable.contains(' ') && executable.len() + 3 <= 127 {
        format!("#!{executable}\n")
    } else {
        format!("#!/bin/sh\n'''exec' {executable} \"$0\" \"$@\"\n' '''\n")
    }
}

/// The launcher file for an entry point.
pub fn launcher(python: &str, ep: &EntryPoint) -> String {
    let import_name = ep.attr.split('.').next().unwrap_or(&ep.attr);
    format!(
        "{}# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom {} import {}\nif __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit({}())\n",
        shebang(python),
        ep.module,
        import_name,
        ep.attr
    )
}

/// A `.data/scripts` file's new first line when it starts with `#!python`
/// (or `#!pythonw`): the whole first line becomes `#!{python}`. `None` when
/// the file is left as it is.
pub fn fix_shebang(first_line: &[u8], python: &str) -> Option<Vec<u8>> {
    first_line.starts_with(b"#!python").then(|| format!("#!{python}\n").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(name: &str, gui: bool) -> EntryPoint {
        EntryPoint { name: name.into(), module: "m".into(), attr: "f".into(), gui }
    }

    #[test]
    fn parses_scripts_sections_only() {
        let text = "[console_scripts]\nfoo = pkg.cli:main.run [extra]\n# c\n[gui_scripts]\ng=pkg:gui\n[other]\nx = y:z\n";
        let eps = parse_entry_points(text).unwrap();
        assert_eq!(eps.len(), 2);
        assert_eq!(
            eps[0],
            EntryPoint { name: "foo".into(), module: "pkg.cli".into(), attr: "main.run".into(), gui: false }
        );
        assert!(eps[1].gui);
    }

    #[test]
    fn refuses_bad_entry_points() {
        assert!(parse_entry_points("[console_scripts]\nfoo = pkg.cli\n").is_err());
        assert!(parse_entry_points("[console_scripts]\n../foo = a:b\n").is_err());
        assert!(parse_entry_points("[console_scripts]\npython3 = a:b\n").is_err());
        assert!(parse_entry_points("[console_scripts]\nfoo = a b:c\n").is_err());
    }

    #[test]
    fn script_names() {
        for bad in ["python", "python3", "python3.11", "pythonw", "a/b", "..", ""] {
            assert!(check_script_name(bad).is_err(), "{bad}");
        }
        for good in ["pythonista", "python-foo", "black", "py.test"] {
            assert!(check_script_name(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn launcher_text_is_pips() {
        let text = launcher("/v/bin/python", &EntryPoint { attr: "main.run".into(), ..ep("foo", false) });
        assert_eq!(
            text,
            "#!/v/bin/python\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom m import main\n\
             if __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    \
             sys.exit(main.run())\n"
        );
    }

    #[test]
    fn long_or_spaced_interpreters_use_sh_trampoline() {
        assert_eq!(shebang("/a b/python"), "#!/bin/sh\n'''exec' \"/a b/python\" \"$0\" \"$@\"\n' '''\n");
        let long = format!("/{}/python", "x".repeat(130));
        assert!(shebang(&long).starts_with("#!/bin/sh\n'''exec' /x"));
        let fits = format!("/{}", "x".repeat(123));
        assert_eq!(shebang(&fits), format!("#!{fits}\n"));
    }

    #[test]
    fn pip_gets_versioned_launchers() {
        let names: Vec<String> =
            pip_variants(vec![ep("pip", false), ep("pip3.8", false), ep("other", false)], 3, 11)
                .into_iter()
                .map(|e| e.name)
                .collect();
        assert_eq!(names, ["other", "pip", "pip3", "pip3.11"]);
        assert_eq!(pip_variants(vec![ep("pip3.8", false)], 3, 11).len(), 1);
    }

    #[test]
    fn data_script_shebangs() {
        assert_eq!(fix_shebang(b"#!pythonw -E\n", "/v/bin/python").unwrap(), b"#!/v/bin/python\n");
        assert!(fix_shebang(b"#!/bin/sh\n", "/v/bin/python").is_none());
    }
}
