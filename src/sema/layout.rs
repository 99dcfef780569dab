//! The output layout a lab asks for (`lab { layout = "..." }`): which folders of its
//! repository labc writes each cluster's files to. `facts` checks the value (E0315) and
//! `emit` reads it; the folders themselves are `emit::layout`'s.

use super::eval::Value;

/// How a cluster's files are arranged under the output root.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// `clusters/<cluster>/<component>/...`, every Flux Kustomization in `flux-system`
    /// (labc's own layout, the default).
    #[default]
    Clusters,
    /// The Flux community's home-ops repositories: `apps/<namespace>/<app>/{ks.yaml,
    /// app/}`, a `kustomization.yaml` per namespace, the entry point under `flux/`, and
    /// each Flux Kustomization in its app's namespace.
    HomeOps,
}

/// Every layout by the name the lab writes, the default first.
pub const LAYOUTS: &[(&str, Layout)] = &[
    ("clusters", Layout::Clusters),
    ("home-ops", Layout::HomeOps),
];

/// The layouts for a help line (E0315): every name of `LAYOUTS`, with what it writes.
pub const LAYOUT_LIST: &str = "the layouts are `clusters` (the default: `clusters/<cluster>/<component>/`) and `home-ops` (`apps/<namespace>/<app>/`, `flux/`)";

impl Layout {
    pub fn named(name: &str) -> Option<Layout> {
        LAYOUTS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
    }

    /// The layout of the `lab` record: its `layout` field, checked when the record was
    /// made, else the default.
    pub fn of_lab(lab: Option<&Value>) -> Layout {
        match lab {
            Some(Value::Record(r)) => r
                .get("layout")
                .and_then(Value::scalar_text)
                .and_then(|name| Layout::named(&name))
                .unwrap_or_default(),
            _ => Layout::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_the_default_is_first() {
        for (name, layout) in LAYOUTS {
            assert_eq!(Layout::named(name), Some(*layout));
        }
        assert_eq!(LAYOUTS[0].1, Layout::default());
        assert_eq!(Layout::named("home_ops"), None);
        assert_eq!(Layout::of_lab(None), Layout::Clusters);
        for (name, _) in LAYOUTS {
            assert!(LAYOUT_LIST.contains(&format!("`{name}`")), "{name}");
        }
    }
}
