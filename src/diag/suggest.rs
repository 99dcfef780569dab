//! Suggestions for names that are not found: the closest known name, or the list of them.

/// The closest candidate to `name`, if it is close enough to be a plausible typo: at most
/// a third of its characters (and at least one) changed, inserted or deleted.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The name a help written by [`did_you_mean`] suggests: the fix an editor applies.
pub fn suggested(help: &str) -> Option<&str> {
    let name = help.strip_prefix("did you mean `")?.strip_suffix("`?")?;
    (!name.is_empty() && !name.contains('`')).then_some(name)
}

/// The candidate [`did_you_mean`] suggests, itself: what a typo most likely meant.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1) + 1;
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// The help line of an "unknown name" error: `did you mean `x`?` when `name` looks like a
/// typo of one of `known`, otherwise what `otherwise` says about the known names (usually
/// the list: "a cluster has: id, api, ..."; `None` for no help).
pub fn unknown_name_help<'a>(
    name: &str,
    known: impl IntoIterator<Item = &'a str>,
    otherwise: impl FnOnce(&[&'a str]) -> Option<String>,
) -> Option<String> {
    let known: Vec<&'a str> = known.into_iter().collect();
    did_you_mean(name, known.iter().copied()).or_else(|| otherwise(&known))
}

/// `intro: a, b, c`, the usual `otherwise` of [`unknown_name_help`]; `None` when nothing
/// is known.
pub fn listing(intro: &str, known: &[&str]) -> Option<String> {
    (!known.is_empty()).then(|| format!("{intro}: {}", known.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            did_you_mean("fast-blok", ["fast-block", "local-nvme"]),
            Some("did you mean `fast-block`?".into())
        );
        assert_eq!(did_you_mean("xyz", ["fast-block"]), None);
        // Distance counts characters, not bytes.
        assert_eq!(
            did_you_mean("grüße", ["grüsse"]),
            Some("did you mean `grüsse`?".into())
        );
    }

    #[test]
    fn the_suggested_name_is_read_back_from_the_help() {
        let help = did_you_mean("fast-blok", ["fast-block"]).unwrap();
        assert_eq!(suggested(&help), Some("fast-block"));
        assert_eq!(suggested("a cluster has: id, api"), None);
    }

    #[test]
    fn lists_known_names_when_none_is_close() {
        let help = unknown_name_help("xyz", ["id", "api"], |k| listing("a cluster has", k));
        assert_eq!(help.as_deref(), Some("a cluster has: id, api"));
        let help = unknown_name_help("ap", ["id", "api"], |k| listing("a cluster has", k));
        assert_eq!(help.as_deref(), Some("did you mean `api`?"));
        assert_eq!(unknown_name_help("x", [], |k| listing("it has", k)), None);
    }
}
