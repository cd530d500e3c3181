//! The wheel tags an interpreter supports, in packaging's order of
//! preference (cpython ABI, abi3, none; manylinux from the glibc version,
//! musllinux, linux; py3X / py3 any), and a wheel's rank among them.
//!
//! The order is that of `packaging.tags.sys_tags()`: a test compares the two
//! lists for the machine's `python3`.

use std::collections::HashMap;

use crate::interpreter::Interpreter;
use crate::wheel_name::WheelFilename;

/// The supported tags of one interpreter, best first.
#[derive(Clone, Debug)]
pub struct Tags {
    /// (python, abi, platform), best first.
    ordered: Vec<(String, String, String)>,
    /// `python-abi-platform` to its first position in `ordered`.
    positions: HashMap<String, usize>,
}

impl Tags {
    pub fn for_interpreter(interpreter: &Interpreter) -> Tags {
        let platforms = platforms(interpreter);
        let (major, minor, _) = interpreter.version;
        let name = interpreter.markers.get("implementation_name").map_or("cpython", String::as_str);
        let mut ordered = Vec::new();
        let push_all = |ordered: &mut Vec<_>, python: &str, abi: &str| {
            for p in &platforms {
                ordered.push((python.to_string(), abi.to_string(), p.clone()));
            }
        };
        let short = short_name(name);
        let any_interpreter = if short == "cp" {
            let python = format!("cp{major}{minor}");
            let abis = cpython_abis(interpreter);
            for abi in &abis {
                push_all(&mut ordered, &python, abi);
            }
            let use_abi3 = (major, minor) >= (3, 2) && !abis.iter().any(|a| a.ends_with('t'));
            if use_abi3 {
                push_all(&mut ordered, &python, "abi3");
            }
            push_all(&mut ordered, &python, "none");
            if use_abi3 {
                for older in (2..minor).rev() {
                    push_all(&mut ordered, &format!("cp{major}{older}"), "abi3");
                }
            }
            Some(python)
        } else {
            let python = format!("{short}{major}{minor}");
            let mut abis = generic_abis(interpreter);
            if !abis.iter().any(|a| a == "none") {
                abis.push("none".to_string());
            }
            for abi in &abis {
                push_all(&mut ordered, &python, abi);
            }
            (short == "pp").then(|| format!("pp{major}"))
        };
        // compatible_tags: pure-Python wheels for this and older versions.
        let mut pythons = vec![format!("py{major}{minor}"), format!("py{major}")];
        pythons.extend((0..minor).rev().map(|m| format!("py{major}{m}")));
        for python in &pythons {
            push_all(&mut ordered, python, "none");
        }
        if let Some(python) = any_interpreter {
            ordered.push((python, "none".to_string(), "any".to_string()));
        }
        for python in pythons {
            ordered.push((python, "none".to_string(), "any".to_string()));
        }
        Tags::from_ordered(ordered)
    }

    /// A tag list given best first (lowercased, as packaging's `Tag` does).
    pub fn from_ordered(ordered: Vec<(String, String, String)>) -> Tags {
        let ordered: Vec<_> = ordered
            .into_iter()
            .map(|(p, a, t)| (p.to_lowercase(), a.to_lowercase(), t.to_lowercase()))
            .collect();
        let mut positions = HashMap::with_capacity(ordered.len());
        for (i, (p, a, t)) in ordered.iter().enumerate() {
            positions.entry(format!("{p}-{a}-{t}")).or_insert(i);
        }
        Tags { ordered, positions }
    }

    /// Best first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.ordered.iter().map(|(p, a, t)| (p.as_str(), a.as_str(), t.as_str()))
    }

    /// The position of the wheel's best tag in the list (lower is better);
    /// `None` when the wheel does not fit this interpreter.
    pub fn rank(&self, wheel: &WheelFilename) -> Option<usize> {
        wheel
            .tags()
            .filter_map(|(p, a, t)| self.positions.get(&format!("{p}-{a}-{t}").to_lowercase()).copied())
            .min()
    }

    /// True when some tag of the wheel fits this interpreter.
    pub fn is_compatible(&self, wheel: &WheelFilename) -> bool {
        self.rank(wheel).is_some()
    }
}

/// packaging's `INTERPRETER_SHORT_NAMES`.
fn short_name(implementation: &str) -> &str {
    match implementation {
        "cpython" => "cp",
        "pypy" => "pp",
        "python" => "py",
        "ironpython" => "ip",
        "jython" => "jy",
        other => other,
    }
}

/// The CPython ABI tags, most specific first: `cp311`, `cp313t`, `cp311d`
/// then `cp311`, `cp37m`.
fn cpython_abis(interpreter: &Interpreter) -> Vec<String> {
    let (major, minor, _) = interpreter.version;
    let version = format!("{major}{minor}");
    let debug = if interpreter.py_debug { "d" } else { "" };
    let threading = if (major, minor) >= (3, 13) && interpreter.gil_disabled { "t" } else { "" };
    let mut abis = Vec::new();
    if (major, minor) < (3, 8) {
        // WITH_PYMALLOC is on in every build that matters.
        abis.push(format!("cp{version}{debug}m"));
    } else {
        abis.push(format!("cp{version}{threading}{debug}"));
        if !debug.is_empty() {
            abis.push(format!("cp{version}{threading}"));
        }
    }
    abis
}

/// packaging's `_generic_abi`: the ABI part of `EXT_SUFFIX` (else `SOABI`),
/// e.g. `pypy39_pp73`.
fn generic_abis(interpreter: &Interpreter) -> Vec<String> {
    let soabi = match interpreter.ext_suffix.as_deref().map(|s| s.split('.').collect::<Vec<_>>()) {
        Some(parts) if parts.len() >= 3 => parts[1].to_string(),
        _ => interpreter.soabi.clone().unwrap_or_default(),
    };
    let fields: Vec<&str> = soabi.split('-').collect();
    let abi = if soabi.starts_with("cpython") && fields.len() > 1 {
        format!("cp{}", fields[1])
    } else if soabi.starts_with("cp") {
        fields[0].to_string()
    } else if soabi.starts_with("pypy") {
        fields[..fields.len().min(2)].join("-")
    } else if soabi.starts_with("graalpy") {
        fields[..fields.len().min(3)].join("-")
    } else if soabi.is_empty() {
        return Vec::new();
    } else {
        soabi.clone()
    };
    vec![normalize(&abi)]
}

fn normalize(s: &str) -> String {
    s.replace(['.', '-', ' '], "_").to_lowercase()
}

mod platforms;
use platforms::platforms;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn interpreter(version: (u32, u32, u32), glibc: Option<&str>, musl: Option<&str>) -> Interpreter {
        let p = PathBuf::from("/venv");
        let paths = crate::interpreter::Paths {
            purelib: p.clone(),
            platlib: p.clone(),
            scripts: p.clone(),
            include: p.clone(),
            data: p.clone(),
        };
        Interpreter {
            executable: p.join("bin/python"),
            prefix: p.clone(),
            base_prefix: p.clone(),
            base_executable: None,
            version,
            markers: [("implementation_name".to_string(), "cpython".to_string())].into(),
            paths,
            soabi: Some(format!("cpython-{}{}-x86_64-linux-gnu", version.0, version.1)),
            ext_suffix: None,
            py_debug: false,
            gil_disabled: false,
            platform: "linux-x86_64".into(),
            glibc: glibc.map(String::from),
            musl: musl.map(String::from),
            pointer_bits: 64,
            pip_default_index: None,
            sys_path: Vec::new(),
        }
    }

    fn rank(tags: &Tags, filename: &str) -> Option<usize> {
        tags.rank(&WheelFilename::parse(filename).unwrap())
    }

    #[test]
    fn cpython_311_on_glibc_2_36() {
        let tags = Tags::for_interpreter(&interpreter((3, 11, 7), Some("2.36"), None));
        let list: Vec<String> = tags.iter().map(|(p, a, t)| format!("{p}-{a}-{t}")).collect();
        assert_eq!(
            list[..3],
            [
                "cp311-cp311-manylinux_2_36_x86_64",
                "cp311-cp311-manylinux_2_35_x86_64",
                "cp311-cp311-manylinux_2_34_x86_64"
            ]
        );
        let at = |s: &str| list.iter().position(|x| x == s).unwrap_or_else(|| panic!("{s} missing"));
        assert_eq!(at("cp311-cp311-manylinux2014_x86_64"), at("cp311-cp311-manylinux_2_17_x86_64") + 1);
        assert_eq!(at("cp311-cp311-manylinux1_x86_64"), at("cp311-cp311-manylinux_2_5_x86_64") + 1);
        assert_eq!(at("cp311-cp311-linux_x86_64"), at("cp311-cp311-manylinux1_x86_64") + 1);
        assert!(at("cp311-abi3-manylinux_2_17_x86_64") > at("cp311-cp311-linux_x86_64"));
        assert!(at("cp310-abi3-linux_x86_64") > at("cp311-none-linux_x86_64"));
        assert!(at("py3-none-any") > at("py311-none-any") && at("py3-none-any") > at("cp311-none-any"));
        assert_eq!(list.last().unwrap(), "py30-none-any");
        assert!(!list.iter().any(|t| t.contains("musllinux") || t.contains("manylinux_2_37")));

        let r = |f| rank(&tags, f);
        assert_eq!(r("x-1-cp310-cp310-manylinux_2_17_x86_64.whl"), None);
        assert_eq!(r("x-1-cp311-cp311-manylinux_2_17_aarch64.whl"), None);
        assert_eq!(r("x-1-cp311-cp311-manylinux_2_38_x86_64.whl"), None);
        assert_eq!(r("x-1-cp311-cp311-manylinux2014_x86_64.whl"), Some(20));
        assert_eq!(r("x-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"), Some(19));
        assert!(
            r("x-1-cp38-abi3-manylinux2014_x86_64.whl").unwrap()
                > r("x-1-cp311-abi3-linux_x86_64.whl").unwrap()
        );
        assert!(r("x-1-py3-none-any.whl").unwrap() > r("x-1-py2.py3-none-manylinux1_x86_64.whl").unwrap());
        assert!(tags.is_compatible(&WheelFilename::parse("x-1-PY3-NONE-ANY.whl").unwrap()));
    }

    #[test]
    fn musl_debug_and_free_threaded_builds() {
        let tags = Tags::for_interpreter(&interpreter((3, 12, 0), None, Some("1.2.4")));
        let list: Vec<_> = tags.iter().map(|(p, a, t)| format!("{p}-{a}-{t}")).take(4).collect();
        assert_eq!(
            list,
            [
                "cp312-cp312-musllinux_1_2_x86_64",
                "cp312-cp312-musllinux_1_1_x86_64",
                "cp312-cp312-musllinux_1_0_x86_64",
                "cp312-cp312-linux_x86_64"
            ]
        );
        let mut i = interpreter((3, 13, 0), Some("2.17"), None);
        i.gil_disabled = true;
        i.py_debug = true;
        let tags = Tags::for_interpreter(&i);
        assert_eq!(tags.iter().next(), Some(("cp313", "cp313td", "manylinux_2_17_x86_64")));
        assert!(tags.iter().any(|t| t.1 == "cp313t") && !tags.iter().any(|t| t.1 == "abi3"));
    }

    #[test]
    fn pypy_uses_its_soabi() {
        let mut i = interpreter((3, 10, 14), Some("2.28"), None);
        i.markers.insert("implementation_name".into(), "pypy".into());
        i.ext_suffix = Some(".pypy310-pp73-x86_64-linux-gnu.so".into());
        let tags = Tags::for_interpreter(&i);
        assert_eq!(tags.iter().next(), Some(("pp310", "pypy310_pp73", "manylinux_2_28_x86_64")));
        assert!(rank(&tags, "x-1-pp310-none-any.whl").is_none());
        assert!(rank(&tags, "x-1-pp3-none-any.whl").is_some());
        assert!(rank(&tags, "x-1-cp310-abi3-manylinux_2_17_x86_64.whl").is_none());
    }

    #[test]
    fn macos_and_windows_platforms() {
        let mut i = interpreter((3, 12, 0), None, None);
        i.platform = "macosx-11.0-arm64".into();
        i.markers.insert("platform_release".into(), "23.1.0".into());
        let tags = Tags::for_interpreter(&i);
        let platforms: Vec<_> = tags.iter().filter(|t| t.1 == "cp312").map(|t| t.2).collect();
        assert_eq!(platforms[..3], ["macosx_14_0_arm64", "macosx_14_0_universal2", "macosx_13_0_arm64"]);
        assert_eq!(platforms.last(), Some(&"macosx_10_4_universal2"));
        assert!(rank(&tags, "x-1-cp312-cp312-macosx_11_0_arm64.whl").is_some());
        assert!(rank(&tags, "x-1-cp312-cp312-macosx_10_9_x86_64.whl").is_none());
        i.platform = "win-amd64".into();
        let tags = Tags::for_interpreter(&i);
        assert_eq!(tags.iter().next(), Some(("cp312", "cp312", "win_amd64")));
    }

    /// The real proof: the same list as packaging's `sys_tags()` for this
    /// machine's python3, and for every other python3.N on PATH.
    #[test]
    fn matches_packaging_for_the_local_pythons() {
        let others = (6..=14).map(|minor| format!("python3.{minor}"));
        let checked: Vec<String> = std::iter::once("python3".to_string())
            .chain(others)
            .filter(|p| compare_with_packaging(p))
            .collect();
        eprintln!("compared with packaging: {checked:?}");
    }

    /// Panics on the first difference; false when `python` or its packaging is not there.
    fn compare_with_packaging(python: &str) -> bool {
        let Ok(interp) = Interpreter::query(Path::new(python), None) else { return false };
        let script = "try:\n from packaging.tags import sys_tags\nexcept ImportError:\n \
                      from pip._vendor.packaging.tags import sys_tags\nfor t in sys_tags(): print(t)";
        let Ok(out) = std::process::Command::new(&interp.executable).args(["-c", script]).output() else {
            return false;
        };
        if !out.status.success() {
            return false;
        }
        let expected: Vec<String> =
            String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect();
        let mut ours: Vec<String> =
            Tags::for_interpreter(&interp).iter().map(|(p, a, t)| format!("{p}-{a}-{t}")).collect();
        assert!(expected.len() > 100, "{python}: {expected:?}");
        // packaging before 22 (pip 23.2 vendors 21.3) did not list cpXY-none-any yet.
        let cp_any = format!("cp{}{}-none-any", interp.version.0, interp.version.1);
        if interp.markers["implementation_name"] == "cpython" && !expected.contains(&cp_any) {
            ours.retain(|t| *t != cp_any);
        }
        let first = (0..ours.len().max(expected.len())).find(|&i| ours.get(i) != expected.get(i));
        if let Some(i) = first {
            let around = |l: &[String]| l[i.saturating_sub(2).min(l.len())..(i + 3).min(l.len())].to_vec();
            panic!("{python}: tag {i} differs: ours {:?}, packaging {:?}", around(&ours), around(&expected));
        }
        true
    }
}
