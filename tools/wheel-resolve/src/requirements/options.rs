//! The options a requirements file line may carry (`-r FILE`, `--index-url
//! URL`, `--hash=sha256:HEX`, ...), in pip's spellings: `-rFILE`, `-r FILE`,
//! `--requirement FILE` and `--requirement=FILE` all mean the same.

use super::lines::shell_words;
use super::Hash;

/// One option of a requirements file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opt {
    Requirement(String),
    Constraint(String),
    Editable(String),
    IndexUrl(String),
    ExtraIndexUrl(String),
    FindLinks(String),
    NoIndex,
    Pre,
    OnlyBinary(String),
    NoBinary(String),
    PreferBinary,
    TrustedHost(String),
    RequireHashes,
    Hash(Hash),
    /// `--use-feature NAME`: pip's feature switches; nothing here depends on them.
    UseFeature(String),
}

impl Opt {
    /// The option's long spelling, for messages.
    pub fn flag(&self) -> &'static str {
        match self {
            Opt::Requirement(_) => "--requirement",
            Opt::Constraint(_) => "--constraint",
            Opt::Editable(_) => "--editable",
            Opt::IndexUrl(_) => "--index-url",
            Opt::ExtraIndexUrl(_) => "--extra-index-url",
            Opt::FindLinks(_) => "--find-links",
            Opt::NoIndex => "--no-index",
            Opt::Pre => "--pre",
            Opt::OnlyBinary(_) => "--only-binary",
            Opt::NoBinary(_) => "--no-binary",
            Opt::PreferBinary => "--prefer-binary",
            Opt::TrustedHost(_) => "--trusted-host",
            Opt::RequireHashes => "--require-hashes",
            Opt::Hash(_) => "--hash",
            Opt::UseFeature(_) => "--use-feature",
        }
    }
}

/// Long name of every option that takes a value, and its short form.
const WITH_VALUE: &[(&str, Option<&str>)] = &[
    ("--requirement", Some("-r")),
    ("--constraint", Some("-c")),
    ("--editable", Some("-e")),
    ("--index-url", Some("-i")),
    ("--extra-index-url", None),
    ("--find-links", Some("-f")),
    ("--only-binary", None),
    ("--no-binary", None),
    ("--trusted-host", None),
    ("--hash", None),
    ("--use-feature", None),
];

const FLAGS: &[&str] = &["--no-index", "--pre", "--prefer-binary", "--require-hashes"];

/// Parses the options part of a line; the error says what is wrong.
pub fn parse_options(text: &str) -> Result<Vec<Opt>, String> {
    let words = shell_words(text).map_err(|e| format!("`{text}`: {e}"))?;
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        let (name, inline) = if let Some(long) = word.strip_prefix("--") {
            match long.split_once('=') {
                Some((n, v)) => (format!("--{n}"), Some(v.to_string())),
                None => (word.clone(), None),
            }
        } else if word.starts_with('-') && word.len() > 1 {
            let split = word.char_indices().nth(2).map_or(word.len(), |(at, _)| at);
            let rest = &word[split..];
            (word[..split].to_string(), (!rest.is_empty()).then(|| rest.to_string()))
        } else {
            return Err(format!("unexpected `{word}` in the options `{text}`"));
        };
        if FLAGS.contains(&name.as_str()) {
            if inline.is_some() {
                return Err(format!("the option {name} takes no value: `{word}`"));
            }
            out.push(flag(&name));
            continue;
        }
        let Some((long, _)) = WITH_VALUE.iter().find(|(l, s)| *l == name || *s == Some(name.as_str())) else {
            return Err(format!("unknown or unsupported option `{word}`"));
        };
        let value = match inline {
            Some(v) => v,
            None if i < words.len() => {
                i += 1;
                words[i - 1].clone()
            }
            None => return Err(format!("the option {name} needs a value")),
        };
        out.push(valued(long, value)?);
    }
    Ok(out)
}

fn flag(name: &str) -> Opt {
    match name {
        "--no-index" => Opt::NoIndex,
        "--pre" => Opt::Pre,
        "--prefer-binary" => Opt::PreferBinary,
        _ => Opt::RequireHashes,
    }
}

fn valued(long: &str, value: String) -> Result<Opt, String> {
    Ok(match long {
        "--requirement" => Opt::Requirement(value),
        "--constraint" => Opt::Constraint(value),
        "--editable" => Opt::Editable(value),
        "--index-url" => Opt::IndexUrl(value),
        "--extra-index-url" => Opt::ExtraIndexUrl(value),
        "--find-links" => Opt::FindLinks(value),
        "--only-binary" => Opt::OnlyBinary(value),
        "--no-binary" => Opt::NoBinary(value),
        "--trusted-host" => Opt::TrustedHost(value),
        "--use-feature" => Opt::UseFeature(value),
        _ => Opt::Hash(parse_hash(&value)?),
    })
}

/// `sha256:HEX` (or sha384, sha512), as pip accepts them.
fn parse_hash(value: &str) -> Result<Hash, String> {
    let bad = |why: &str| format!("bad --hash `{value}`: {why}");
    let (algorithm, digest) = value.split_once(':').ok_or_else(|| bad("expected ALGORITHM:HEX"))?;
    let algorithm = algorithm.to_ascii_lowercase();
    let length = match algorithm.as_str() {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(bad("the algorithm must be sha256, sha384 or sha512")),
    };
    if digest.len() != length || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad(&format!("a {algorithm} digest is {length} hexadecimal digits")));
    }
    Ok(Hash { algorithm, digest: digest.to_ascii_lowercase() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_valued_option() {
        for text in ["-rbase.txt", "-r base.txt", "--requirement base.txt", "--requirement=base.txt"] {
            assert_eq!(parse_options(text).unwrap(), vec![Opt::Requirement("base.txt".into())], "{text}");
        }
    }

    #[test]
    fn several_options_on_one_line() {
        let opts = parse_options("--no-index --find-links ./wheels --pre --use-feature=truststore").unwrap();
        assert_eq!(
            opts,
            vec![
                Opt::NoIndex,
                Opt::FindLinks("./wheels".into()),
                Opt::Pre,
                Opt::UseFeature("truststore".into())
            ]
        );
    }

    #[test]
    fn hashes_are_checked_and_lowercased() {
        let hex = "AB".repeat(32);
        let opts = parse_options(&format!("--hash=sha256:{hex} --hash sha512:{}", "0".repeat(128))).unwrap();
        assert_eq!(opts[0], Opt::Hash(Hash { algorithm: "sha256".into(), digest: "ab".repeat(32) }));
        assert!(parse_options("--hash=md5:00").unwrap_err().contains("sha256, sha384 or sha512"));
        assert!(parse_options("--hash=sha256:abc").unwrap_err().contains("64 hexadecimal digits"));
    }

    #[test]
    fn unknown_options_and_missing_values_are_errors() {
        assert!(parse_options("--global-option=x").unwrap_err().contains("unknown or unsupported option"));
        assert!(parse_options("--index-url").unwrap_err().contains("needs a value"));
        assert!(parse_options("--pre=yes").unwrap_err().contains("takes no value"));
    }
}
