//! Platform tags, best first, as packaging computes them: manylinux from the
//! glibc version with the legacy aliases in place, musllinux, linux; macOS
//! versions and binary formats; Windows and others from sysconfig's platform.

use super::normalize;
use crate::interpreter::Interpreter;

/// The platform tags, best first, from `sysconfig.get_platform()` and the
/// C library's version.
pub(super) fn platforms(interpreter: &Interpreter) -> Vec<String> {
    let platform = normalize(&interpreter.platform);
    if let Some(arch) = platform.strip_prefix("linux_") {
        linux_platforms(interpreter, arch)
    } else if let Some(rest) = platform.strip_prefix("macosx_") {
        mac_platforms(interpreter, rest)
    } else {
        vec![platform]
    }
}

fn linux_platforms(interpreter: &Interpreter, arch: &str) -> Vec<String> {
    let arch = match arch {
        "x86_64" if interpreter.pointer_bits == 32 => "i686",
        "aarch64" if interpreter.pointer_bits == 32 => "armv8l",
        other => other,
    };
    let archs: Vec<&str> = if arch == "armv8l" { vec!["armv8l", "armv7l"] } else { vec![arch] };
    let mut out = Vec::new();
    if let Some(glibc) = interpreter.glibc.as_deref().and_then(parse_major_minor) {
        manylinux_platforms(glibc, &archs, &mut out);
    }
    if let Some((major, minor)) = interpreter.musl.as_deref().and_then(parse_major_minor) {
        for arch in &archs {
            for m in (0..=minor).rev() {
                out.push(format!("musllinux_{major}_{m}_{arch}"));
            }
        }
    }
    out.extend(archs.iter().map(|a| format!("linux_{a}")));
    out
}

/// manylinux_2_Y from the running glibc down to the oldest the architecture
/// had, each legacy alias right after the version it stands for.
fn manylinux_platforms(glibc: (u32, u32), archs: &[&str], out: &mut Vec<String>) {
    const ALLOWED: [&str; 9] =
        ["x86_64", "aarch64", "ppc64", "ppc64le", "s390x", "loongarch64", "riscv64", "armv7l", "i686"];
    if !archs.iter().any(|a| ALLOWED.contains(a)) {
        return;
    }
    let too_old = if archs.iter().any(|a| matches!(*a, "x86_64" | "i686")) { (2, 4) } else { (2, 16) };
    // Compatibility holds across glibc major versions; a past major's last minor is unknown.
    let mut maxima = vec![glibc];
    maxima.extend((2..glibc.0).rev().map(|major| (major, 50)));
    for arch in archs {
        for &(major, max_minor) in &maxima {
            let min_minor = if major == too_old.0 { too_old.1 as i64 } else { -1 };
            let mut minor = max_minor as i64;
            while minor > min_minor {
                out.push(format!("manylinux_{major}_{minor}_{arch}"));
                let legacy = match (major, minor) {
                    (2, 17) => Some("manylinux2014"),
                    (2, 12) => Some("manylinux2010"),
                    (2, 5) => Some("manylinux1"),
                    _ => None,
                };
                if let Some(legacy) = legacy {
                    out.push(format!("{legacy}_{arch}"));
                }
                minor -= 1;
            }
        }
    }
}

/// macOS: the running system's version (from the Darwin release) down,
/// with packaging's binary formats; good enough for x86_64 and arm64.
fn mac_platforms(interpreter: &Interpreter, rest: &str) -> Vec<String> {
    let mut fields = rest.splitn(3, '_');
    let built = (fields.next().and_then(|v| v.parse().ok()), fields.next().and_then(|v| v.parse().ok()));
    let mut arch = fields.next().unwrap_or("x86_64").to_string();
    if arch.starts_with("universal") || arch == "intel" {
        arch = interpreter.markers.get("platform_machine").cloned().unwrap_or_else(|| "x86_64".into());
    }
    let darwin = interpreter
        .markers
        .get("platform_release")
        .and_then(|r| parse_major_minor(r).or_else(|| r.parse().ok().map(|m| (m, 0))));
    let version: (u32, u32) = match (darwin, built) {
        (Some((d, _)), _) if d >= 20 => (d - 9, 0),
        (Some((d, _)), _) if d >= 4 => (10, d - 4),
        (_, (Some(a), Some(b))) => (a, b),
        _ => (10, 9),
    };
    let formats = |v: (u32, u32)| -> Vec<String> {
        let mut f = vec![arch.clone()];
        if arch == "x86_64" {
            if v < (10, 4) {
                return Vec::new();
            }
            f.extend(["intel", "fat64", "fat32"].map(String::from));
        }
        if arch == "arm64" || arch == "x86_64" {
            f.push("universal2".into());
        }
        if arch == "x86_64" {
            f.push("universal".into());
        }
        f
    };
    let mut out = Vec::new();
    let mut emit = |v: (u32, u32), fs: Vec<String>| {
        out.extend(fs.into_iter().map(|f| format!("macosx_{}_{}_{f}", v.0, v.1)));
    };
    if version.0 == 10 {
        for minor in (0..=version.1).rev() {
            emit((10, minor), formats((10, minor)));
        }
    } else {
        for major in (11..=version.0).rev() {
            emit((major, 0), formats((major, 0)));
        }
        for minor in (4..=16).rev() {
            let fs = if arch == "x86_64" { formats((10, minor)) } else { vec!["universal2".into()] };
            emit((10, minor), fs);
        }
    }
    out
}

fn parse_major_minor(version: &str) -> Option<(u32, u32)> {
    let mut it = version.trim().split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()?;
    Some((major, minor))
}
