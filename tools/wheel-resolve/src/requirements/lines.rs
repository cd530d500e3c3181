//! The lexical layer of pip's requirements file format: logical lines (a `\`
//! at the end joins the next line), comments (`#` at the start of a line or
//! after whitespace), `${VAR}` expansion (only that form, upper-case names,
//! unset variables left as written), and splitting a line into its
//! requirement part and its options, as pip does.

/// One logical line: its text after comments and expansion, and the number
/// of the physical line it starts on (from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogicalLine {
    pub number: usize,
    pub text: String,
}

/// True when the line starts a comment at its beginning (pip's
/// `(^|\s+)#` matched at the start of the line).
fn starts_with_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Removes a comment: `#` at the start of the line or after whitespace.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// Expands `${NAME}` where NAME is upper-case letters, digits and `_` and
/// the variable is set to a non-empty value.
fn expand_env(line: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        if !name.is_empty() && after[name_len..].starts_with('}') {
            match env(name).filter(|v| !v.is_empty()) {
                Some(value) => out.push_str(&value),
                None => out.push_str(&rest[start..start + 3 + name_len]),
            }
            rest = &after[name_len + 1..];
        } else {
            out.push_str("${");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The logical lines of a file's text, blank and comment-only lines left out.
pub fn logical_lines(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Vec<LogicalLine> {
    let mut joined = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let number = index + 1;
        if line.ends_with('\\') && !starts_with_comment(line) {
            let part = line.trim_end_matches('\\');
            match &mut pending {
                Some((_, buf)) => buf.push_str(part),
                None => pending = Some((number, part.to_string())),
            }
            continue;
        }
        match pending.take() {
            Some((first, mut buf)) => {
                if starts_with_comment(line) {
                    // A comment line ends the continuation and is dropped.
                    buf.push(' ');
                }
                buf.push_str(line);
                joined.push((first, buf));
            }
            None => joined.push((number, line.to_string())),
        }
    }
    if let Some(last) = pending {
        joined.push(last);
    }
    joined
        .into_iter()
        .filter_map(|(number, line)| {
            let text = strip_comment(&line).trim();
            (!text.is_empty()).then(|| LogicalLine { number, text: expand_env(text, env) })
        })
        .collect()
}

/// Splits a requirement line as pip does: the words before the first one
/// that starts with `-` are the requirement, the rest are its options.
pub fn split_requirement_options(line: &str) -> (String, String) {
    let words: Vec<&str> = line.split(' ').collect();
    let cut = words.iter().position(|w| w.starts_with('-')).unwrap_or(words.len());
    (words[..cut].join(" ").trim().to_string(), words[cut..].join(" ").trim().to_string())
}

/// Splits option text into words like a POSIX shell (quotes and backslash
/// escapes), without any expansion.
pub fn shell_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("unclosed single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c) => word.push(c),
                            None => return Err("unclosed double quote".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("unclosed double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn continuation_joins_lines_and_keeps_the_first_line_number() {
        let lines = logical_lines("# head\n\nsix==1.16.0 \\\n  --hash=sha256:aa\nidna==3.7\n", &no_env);
        assert_eq!(
            lines,
            vec![
                LogicalLine { number: 3, text: "six==1.16.0   --hash=sha256:aa".into() },
                LogicalLine { number: 5, text: "idna==3.7".into() },
            ]
        );
    }

    #[test]
    fn comments_need_whitespace_before_the_hash_sign() {
        let lines = logical_lines("six==1.0  # pinned\nx @ http://h/x.whl#sha256=1\n  # only\n", &no_env);
        assert_eq!(lines[0].text, "six==1.0");
        assert_eq!(lines[1].text, "x @ http://h/x.whl#sha256=1");
        assert_eq!(lines.len(), 2);
    }

    #[test]
    fn only_braced_upper_case_variables_expand() {
        let env = |name: &str| (name == "TOKEN_1").then(|| "s3cr3t".to_string());
        let lines = logical_lines("-i http://u:${TOKEN_1}@h/ $TOKEN_1 ${token_1} ${UNSET}\n", &env);
        assert_eq!(lines[0].text, "-i http://u:s3cr3t@h/ $TOKEN_1 ${token_1} ${UNSET}");
    }

    #[test]
    fn requirement_and_options_split_at_the_first_dash_word() {
        let (req, opts) = split_requirement_options("six==1.0 ; python_version > \"3\" --hash=sha256:ab");
        assert_eq!(req, "six==1.0 ; python_version > \"3\"");
        assert_eq!(opts, "--hash=sha256:ab");
    }

    #[test]
    fn shell_words_honour_quotes() {
        assert_eq!(shell_words(r#"-r "a b.txt" 'c'\ d"#).unwrap(), vec!["-r", "a b.txt", "c d"]);
        assert!(shell_words("-r 'oops").is_err());
    }
}
