//! The scheme of a chart source's URL (E0309): `helm(url, chart, version)` becomes a
//! Flux HelmRepository, which reads an HTTP(S) chart repository's `index.yaml`, and
//! `oci(url, version)` an OCIRepository, which pulls from an OCI registry. Each refuses
//! the other's URL only once Flux runs, so the mistake is caught here with the call to
//! write instead.

use super::{Evaluator, Value};
use crate::diag::codes;
use crate::syntax::ast::Span;

/// The scheme of a URL as written (`oci` of `oci://...`), lower-cased.
fn scheme_of(url: &str) -> String {
    url.split_once("://")
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default()
}

/// The text of a chart builtin's argument, for the call suggested in a help.
fn text(v: &Value) -> String {
    v.scalar_text().unwrap_or_default()
}

impl Evaluator<'_> {
    /// E0309 at `url_span` when the URL of `oci(...)`/`helm(...)` has the other source's
    /// scheme (or one neither reads); `false` when it was reported.
    pub(super) fn check_chart_url(&mut self, name: &str, vals: &[Value], url_span: Span) -> bool {
        let Some(url) = vals.first().and_then(Value::scalar_text) else {
            return true;
        };
        let scheme = scheme_of(&url);
        let (message, label, note, help) = match (name, scheme.as_str()) {
            ("helm", "http" | "https") | ("oci", "oci") => return true,
            ("helm", "oci") => {
                // An OCI chart's URL names the chart itself: the repository and the chart.
                let chart = vals.get(1).map(text).unwrap_or_default();
                let version = vals.get(2).map(text).unwrap_or_default();
                let full = format!("{}/{chart}", url.trim_end_matches('/'));
                (
                    format!("`helm()` is given the OCI registry URL `{url}`"),
                    "an `oci://` URL".to_string(),
                    Some(
                        "`helm()` makes a HelmRepository, which reads the index.yaml of an \
                         HTTP(S) chart repository; Flux rejects an `oci://` URL there",
                    ),
                    format!(
                        "a chart in an OCI registry is `oci(url, version)`, whose URL ends \
                         with the chart's name: write `oci(\"{full}\", \"{version}\")`"
                    ),
                )
            }
            ("oci", "http" | "https") => {
                let version = vals.get(1).map(text).unwrap_or_default();
                let rest = url.split_once("://").map(|(_, r)| r).unwrap_or_default();
                let (repo, chart) = rest
                    .trim_end_matches('/')
                    .rsplit_once('/')
                    .unwrap_or((rest, "CHART"));
                (
                    format!("`oci()` is given the {scheme} URL `{url}`"),
                    "not an `oci://` URL".to_string(),
                    Some(
                        "`oci()` makes an OCIRepository, which pulls from an OCI registry; \
                         Flux accepts only an `oci://` URL there",
                    ),
                    format!(
                        "for a chart in an OCI registry, write `oci(\"oci://{rest}\", \
                         \"{version}\")`; for an HTTP(S) chart repository (one that serves \
                         index.yaml), write `helm(\"{scheme}://{repo}\", \"{chart}\", \
                         \"{version}\")`"
                    ),
                )
            }
            _ => (
                format!(
                    "`{name}()` needs {}, not `{scheme}://`",
                    if name == "oci" {
                        "an `oci://` URL"
                    } else {
                        "an `https://` (or `http://`) URL"
                    }
                ),
                format!("a `{scheme}://` URL"),
                None,
                "a chart comes from an OCI registry, `oci(\"oci://host/path/chart\", \
                 version)`, or from an HTTP(S) chart repository, \
                 `helm(\"https://host/path\", \"chart\", version)`"
                    .to_string(),
            ),
        };
        let d = self.error(codes::E0309, url_span, message).lbl(label);
        d.notes.extend(note.map(String::from));
        d.help = Some(help);
        false
    }
}
