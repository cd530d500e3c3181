//! pip's install order: dependencies before the distributions that require
//! them, so that when two wheels of a set write one path, the dependent's
//! file is the one left (`bin/fastapi` from fastapi, not fastapi-cli), as
//! with pip and uv. Every `Requires-Dist` counts, whatever its marker or
//! extra; a cycle is cut where it closes; ties go by normalized name.

use std::collections::HashMap;

use wheelpipe::names::normalize;

use crate::job::Staged;

/// The normalized names that a METADATA text's `Requires-Dist` headers name.
pub fn requirements(metadata: &str) -> Vec<String> {
    let headers = metadata.lines().take_while(|l| !l.is_empty());
    let values = headers.filter_map(|l| {
        let (key, value) = l.split_once(':')?;
        key.trim().eq_ignore_ascii_case("Requires-Dist").then_some(value.trim())
    });
    let mut names: Vec<String> = values
        .map(|v| v.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c))).next().unwrap_or(""))
        .filter(|n| !n.is_empty())
        .map(normalize)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Sorts `staged` (sorted by name) so that every distribution comes after
/// those it requires, but for cycles.
pub fn install_order(staged: &mut Vec<Staged>) {
    let index: HashMap<String, usize> = staged.iter().enumerate().map(|(i, s)| (s.key(), i)).collect();
    let mut state = vec![0u8; staged.len()]; // 0 new, 1 on the path, 2 placed
    let mut order = Vec::with_capacity(staged.len());
    for start in 0..staged.len() {
        visit(start, staged, &index, &mut state, &mut order);
    }
    let mut slots: Vec<Option<Staged>> = staged.drain(..).map(Some).collect();
    staged.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

fn visit(
    i: usize,
    staged: &[Staged],
    index: &HashMap<String, usize>,
    state: &mut [u8],
    order: &mut Vec<usize>,
) {
    if state[i] != 0 {
        return;
    }
    state[i] = 1;
    for dep in &staged[i].requires {
        if let Some(&j) = index.get(dep) {
            visit(j, staged, index, state, order);
        }
    }
    state[i] = 2;
    order.push(i);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_names_ignore_specifiers_markers_and_extras() {
        let text = "Name: fastapi\nRequires-Dist: Starlette>=0.40\nrequires-dist: fastapi_cli[standard] \
                    (>=0.0.5) ; extra == \"standard\"\nRequires-Dist: typing-extensions\n\nRequires-Dist: body\n";
        assert_eq!(requirements(text), ["fastapi-cli", "starlette", "typing-extensions"]);
    }

    fn bare(name: &str, requires: Vec<&str>) -> Staged {
        Staged {
            wheel: format!("{name}-1-py3-none-any.whl").into(),
            name: name.into(),
            version: "1".into(),
            dist_info: std::path::PathBuf::new(),
            files: Vec::new(),
            tree: std::path::PathBuf::new(),
            how: wheelpipe::records::LinkMode::Copy,
            requires: requires.into_iter().map(String::from).collect(),
        }
    }

    #[test]
    fn dependencies_come_first_and_cycles_are_cut() {
        let mut set: Vec<Staged> = [("a", vec!["c"]), ("b", vec![]), ("c", vec!["b", "a"]), ("d", vec!["d"])]
            .into_iter()
            .map(|(n, r)| bare(n, r))
            .collect();
        install_order(&mut set);
        let names: Vec<&str> = set.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["b", "c", "a", "d"]);
    }
}
