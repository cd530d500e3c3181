//! What a project file declares, read without running anything: the
//! `[project]` table and PEP 735 `[dependency-groups]` of a pyproject.toml,
//! the `[options]` of a setup.cfg. A list the file leaves to the build
//! backend (`dynamic`, setup.cfg's `file:` or `attr:`) is `None`.
//! Every error names the file and the key.

use std::collections::BTreeMap;

use wheelpipe::names::normalize;

/// A project's requirement lists, each with the key it came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Declared {
    /// `[project] name` (or setup.cfg's `[metadata] name`), normalized.
    pub name: Option<String>,
    /// `[project] dependencies`; `None`: the backend knows them.
    pub dependencies: Option<Vec<String>>,
    /// `[project.optional-dependencies]` by normalized extra; `None`: the backend knows them.
    pub optional: Option<BTreeMap<String, Vec<String>>>,
    /// `[dependency-groups]` by normalized name, as written.
    pub groups: BTreeMap<String, Vec<GroupItem>>,
    /// The backend knows everything: a pyproject.toml without a
    /// `[project]` table that has a `[build-system]` (or, the caller
    /// decides, a setup.py beside it), or a setup.py.
    pub only_backend: bool,
    /// A pyproject.toml without a `[project]` table.
    pub no_project: bool,
}

/// One entry of a dependency group (PEP 735).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupItem {
    Requirement(String),
    IncludeGroup(String),
}

/// Reads a pyproject.toml's text; `file` names it in errors.
pub fn pyproject(text: &str, file: &str) -> Result<Declared, String> {
    let doc: toml::Table =
        toml::from_str(text).map_err(|e| format!("{file}: invalid TOML: {}", e.message()))?;
    let mut declared = Declared { groups: groups(&doc, file)?, ..Declared::default() };
    let Some(project) = doc.get("project") else {
        declared.no_project = true;
        declared.only_backend = doc.contains_key("build-system");
        declared.dependencies = (!declared.only_backend).then(Vec::new);
        declared.optional = (!declared.only_backend).then(BTreeMap::new);
        return Ok(declared);
    };
    let project = project.as_table().ok_or(format!("{file}: [project] is not a table"))?;
    let dynamic = match project.get("dynamic") {
        None => Vec::new(),
        Some(value) => strings(value).ok_or(format!("{file}: [project] dynamic: not a list of strings"))?,
    };
    declared.name = match project.get("name") {
        None => None,
        Some(v) => Some(normalize(v.as_str().ok_or(format!("{file}: [project] name: not a string"))?)),
    };
    if !dynamic.iter().any(|d| d == "dependencies") {
        declared.dependencies = Some(match project.get("dependencies") {
            None => Vec::new(),
            Some(v) => strings(v).ok_or(format!("{file}: [project] dependencies: not a list of strings"))?,
        });
    }
    if !dynamic.iter().any(|d| d == "optional-dependencies") {
        let mut optional = BTreeMap::new();
        if let Some(table) = project.get("optional-dependencies") {
            let table =
                table.as_table().ok_or(format!("{file}: [project.optional-dependencies] is not a table"))?;
            for (extra, list) in table {
                let list = strings(list).ok_or(format!(
                    "{file}: [project.optional-dependencies] {extra}: not a list of strings"
                ))?;
                optional.insert(normalize(extra), list);
            }
        }
        declared.optional = Some(optional);
    }
    Ok(declared)
}

/// `[dependency-groups]`: each group's requirements and include-groups.
fn groups(doc: &toml::Table, file: &str) -> Result<BTreeMap<String, Vec<GroupItem>>, String> {
    let mut found = BTreeMap::new();
    let Some(table) = doc.get("dependency-groups") else { return Ok(found) };
    let table = table.as_table().ok_or(format!("{file}: [dependency-groups] is not a table"))?;
    for (group, items) in table {
        let bad =
            || format!("{file}: [dependency-groups] {group}: not a list of strings and include-group tables");
        let items = items.as_array().ok_or_else(bad)?;
        let mut list = Vec::new();
        for item in items {
            list.push(match item {
                toml::Value::String(s) => GroupItem::Requirement(s.clone()),
                toml::Value::Table(t) if t.len() == 1 => match t.get("include-group") {
                    Some(toml::Value::String(name)) => GroupItem::IncludeGroup(name.clone()),
                    _ => return Err(bad()),
                },
                _ => return Err(bad()),
            });
        }
        if found.insert(normalize(group), list).is_some() {
            return Err(format!("{file}: [dependency-groups] {group}: defined twice (names are normalized)"));
        }
    }
    Ok(found)
}

fn strings(value: &toml::Value) -> Option<Vec<String>> {
    value.as_array()?.iter().map(|v| v.as_str().map(str::to_string)).collect()
}

/// The requirements of `group` with its include-groups, in order; a cycle
/// or an unknown group is an error naming it.
pub fn group_requirements(declared: &Declared, group: &str, file: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    expand_group(declared, &normalize(group), file, &mut Vec::new(), &mut out)?;
    Ok(out)
}

fn expand_group(
    declared: &Declared,
    group: &str,
    file: &str,
    stack: &mut Vec<String>,
    out: &mut Vec<String>,
) -> Result<(), String> {
    if let Some(first) = stack.iter().position(|g| g == group) {
        let mut chain = stack[first..].to_vec();
        chain.push(group.to_string());
        return Err(format!(
            "{file}: [dependency-groups] {group}: include-group cycle: {}",
            chain.join(" -> ")
        ));
    }
    let Some(items) = declared.groups.get(group) else {
        return Err(match stack.last() {
            Some(from) => format!("{file}: [dependency-groups] {from}: includes the unknown group `{group}`"),
            None => format!("{file}: [dependency-groups] has no group `{group}`"),
        });
    };
    stack.push(group.to_string());
    for item in items {
        match item {
            GroupItem::Requirement(r) => out.push(r.clone()),
            GroupItem::IncludeGroup(g) => expand_group(declared, &normalize(g), file, stack, out)?,
        }
    }
    stack.pop();
    Ok(())
}

/// Reads a setup.cfg's text: `[metadata] name`, `[options] install_requires`,
/// `[options.extras_require]`, as setuptools reads them (a value on several
/// lines is one requirement a line, else `;` separates them; `#` lines are
/// comments). `file:` and `attr:` values are left to the backend.
pub fn setup_cfg(text: &str, file: &str) -> Result<Declared, String> {
    let sections = ini(text, file)?;
    let get = |section: &str, key: &str| sections.get(section).and_then(|s| s.get(key));
    let computed = |v: &str| v.starts_with("file:") || v.starts_with("attr:");
    let mut declared =
        Declared { name: get("metadata", "name").map(|n| normalize(n)), ..Declared::default() };
    declared.dependencies = match get("options", "install_requires") {
        Some(v) if computed(v) => None,
        Some(v) => Some(setuptools_list(v)),
        None => Some(Vec::new()),
    };
    let extras = sections.get("options.extras_require").cloned().unwrap_or_default();
    // `extra:marker` keys and computed values: the backend knows best.
    let plain = extras.iter().all(|(k, v)| !k.contains(':') && !computed(v));
    declared.optional =
        plain.then(|| extras.iter().map(|(k, v)| (normalize(k), setuptools_list(v))).collect());
    Ok(declared)
}

fn setuptools_list(value: &str) -> Vec<String> {
    let parts: Vec<&str> =
        if value.contains('\n') { value.lines().collect() } else { value.split(';').collect() };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with('#'))
        .map(String::from)
        .collect()
}

type Sections = BTreeMap<String, BTreeMap<String, String>>;

/// configparser's format, as much as setup.cfg uses: `[section]`, `key = value`
/// or `key: value`, indented continuation lines, `#` and `;` comment lines.
fn ini(text: &str, file: &str) -> Result<Sections, String> {
    let mut sections = Sections::new();
    // The section, and the key a continuation line adds to.
    let mut at: Option<(String, Option<String>)> = None;
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let value = at.as_ref().and_then(|(s, k)| sections.get_mut(s)?.get_mut(k.as_ref()?));
            let Some(value) = value else {
                return Err(format!("{file}:{}: a continuation line outside a value", number + 1));
            };
            value.push('\n');
            value.push_str(trimmed);
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            sections.entry(name.trim().to_string()).or_default();
            at = Some((name.trim().to_string(), None));
            continue;
        }
        let Some((section, _)) = &at else {
            return Err(format!("{file}:{}: a line before the first [section]", number + 1));
        };
        let split = trimmed.find(['=', ':']).ok_or(format!("{file}:{}: not `key = value`", number + 1))?;
        let (key, value) = (trimmed[..split].trim().to_lowercase(), trimmed[split + 1..].trim().to_string());
        let section = section.clone();
        sections.entry(section.clone()).or_default().insert(key.clone(), value);
        at = Some((section, Some(key)));
    }
    Ok(sections)
}
