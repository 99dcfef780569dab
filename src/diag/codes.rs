//! The registry of diagnostic codes, their titles and pages (`labc explain CODE`).
//!
//! Codes are stable: a code is never reused for another mistake. Bands by phase:
//! E01xx syntax, E02xx names and declarations, E03xx types and literals,
//! E04xx whole-lab checks, E05xx lowering to Flux, E06xx warnings (reported with
//! `Severity::Warning`; `--deny-warnings` makes them fail `check` and `build`).

/// One registered code.
pub struct Code {
    pub code: &'static str,
    pub title: &'static str,
    /// Its `labc explain` page: Markdown in four parts (see `pages`).
    pub page: &'static str,
}

pub fn lookup(code: &str) -> Option<&'static Code> {
    let code = code.trim().to_ascii_uppercase();
    CODES.iter().find(|c| c.code == code)
}

// The codes, one constant each: diagnostics name them as `codes::E0402`.
/// syntax error.
pub const E0101: &str = "E0101";
/// expression nested or chained too deeply.
pub const E0102: &str = "E0102";
/// integer with a leading zero.
pub const E0103: &str = "E0103";
/// block string of the wrong shape.
pub const E0104: &str = "E0104";
/// unknown name.
pub const E0201: &str = "E0201";
/// duplicate declaration.
pub const E0202: &str = "E0202";
/// unknown module.
pub const E0203: &str = "E0203";
/// definition not imported.
pub const E0204: &str = "E0204";
/// unknown field.
pub const E0205: &str = "E0205";
/// missing field or argument.
pub const E0206: &str = "E0206";
/// wrong kind of declaration.
pub const E0207: &str = "E0207";
/// statement not allowed here.
pub const E0208: &str = "E0208";
/// reference not allowed here.
pub const E0209: &str = "E0209";
/// ambiguous type name.
pub const E0210: &str = "E0210";
/// values override not allowed.
pub const E0211: &str = "E0211";
/// patch of an object the component does not emit.
pub const E0212: &str = "E0212";
/// chart override without a chart.
pub const E0213: &str = "E0213";
/// chart version or source of the wrong kind.
pub const E0214: &str = "E0214";
/// namespace declared twice on a cluster.
pub const E0215: &str = "E0215";
/// `file` of a file that is not UTF-8 text.
pub const E0216: &str = "E0216";
/// `file` of a folder.
pub const E0217: &str = "E0217";
/// pin of a definition without a chart.
pub const E0218: &str = "E0218";
/// definition pinned twice.
pub const E0219: &str = "E0219";
/// type mismatch.
pub const E0301: &str = "E0301";
/// invalid literal.
pub const E0302: &str = "E0302";
/// unit mismatch.
pub const E0303: &str = "E0303";
/// plaintext secret.
pub const E0304: &str = "E0304";
/// invalid Kubernetes name.
pub const E0305: &str = "E0305";
/// arithmetic error.
pub const E0306: &str = "E0306";
/// evaluation limit.
pub const E0307: &str = "E0307";
/// requirement not met.
pub const E0308: &str = "E0308";
/// chart URL of the wrong kind.
pub const E0309: &str = "E0309";
/// cron expression of the wrong form.
pub const E0310: &str = "E0310";
/// unknown Flux setting.
pub const E0311: &str = "E0311";
/// Flux setting outside its choices.
pub const E0312: &str = "E0312";
/// Flux setting Flux would refuse.
pub const E0313: &str = "E0313";
/// Flux setting that cannot apply where it is set.
pub const E0314: &str = "E0314";
/// unknown output layout.
pub const E0315: &str = "E0315";
/// reference to a component on another cluster.
pub const E0401: &str = "E0401";
/// capability not provided on this cluster.
pub const E0402: &str = "E0402";
/// custom resource without its CRD.
pub const E0403: &str = "E0403";
/// overlapping address ranges.
pub const E0404: &str = "E0404";
/// address outside its pool.
pub const E0405: &str = "E0405";
/// mesh conflict.
pub const E0406: &str = "E0406";
/// dependency cycle.
pub const E0407: &str = "E0407";
/// duplicate object.
pub const E0408: &str = "E0408";
/// address used twice.
pub const E0409: &str = "E0409";
/// capacity exceeded.
pub const E0410: &str = "E0410";
/// namespace nothing creates.
pub const E0411: &str = "E0411";
/// unknown namespace in a selector.
pub const E0412: &str = "E0412";
/// custom resource nothing reconciles.
pub const E0413: &str = "E0413";
/// once-per-lab definition placed twice.
pub const E0414: &str = "E0414";
/// CRD installed twice.
pub const E0415: &str = "E0415";
/// secret nothing produces.
pub const E0416: &str = "E0416";
/// selector that matches no pod.
pub const E0417: &str = "E0417";
/// service address outside the service range.
pub const E0418: &str = "E0418";
/// removed API version.
pub const E0419: &str = "E0419";
/// unknown bootstrap setting or value.
pub const E0420: &str = "E0420";
/// bootstrap setting its mode cannot honour.
pub const E0421: &str = "E0421";
/// namespace that cannot be declared.
pub const E0422: &str = "E0422";
/// invalid namespace label or annotation.
pub const E0423: &str = "E0423";
/// dependency cycle through a namespace.
pub const E0424: &str = "E0424";
/// `depends_on` of a component not on the cluster.
pub const E0425: &str = "E0425";
/// conflicting values.
pub const E0501: &str = "E0501";
/// no lab declaration.
pub const E0502: &str = "E0502";
/// unknown manifest file.
pub const E0503: &str = "E0503";
/// invalid manifest.
pub const E0504: &str = "E0504";
/// invalid kind.
pub const E0505: &str = "E0505";
/// invalid API version.
pub const E0506: &str = "E0506";
/// kustomize configuration as a resource.
pub const E0507: &str = "E0507";
/// reserved component name.
pub const E0508: &str = "E0508";
/// unknown field in an object.
pub const E0509: &str = "E0509";
/// field of the wrong type.
pub const E0510: &str = "E0510";
/// value not in the schema's list.
pub const E0511: &str = "E0511";
/// value of the wrong format.
pub const E0512: &str = "E0512";
/// value not matching the schema's pattern.
pub const E0513: &str = "E0513";
/// required field missing.
pub const E0514: &str = "E0514";
/// fields that exclude each other.
pub const E0515: &str = "E0515";
/// value matching none of the alternatives.
pub const E0516: &str = "E0516";
/// value out of range.
pub const E0517: &str = "E0517";
/// duplicate list item.
pub const E0518: &str = "E0518";
/// apiVersion not served.
pub const E0519: &str = "E0519";
/// schema source not found or not readable.
pub const E0520: &str = "E0520";
/// unused import.
pub const E0601: &str = "E0601";
/// unused definition.
pub const E0602: &str = "E0602";
/// octal-looking integer.
pub const E0603: &str = "E0603";
/// argument restates the default.
pub const E0604: &str = "E0604";
/// deprecated API version.
pub const E0605: &str = "E0605";
/// capability default never used.
pub const E0606: &str = "E0606";
/// pin of a definition the lab does not use.
pub const E0607: &str = "E0607";
/// schema checked against the nearest version.
pub const E0608: &str = "E0608";
/// unknown Kubernetes version.
pub const E0609: &str = "E0609";

/// The registry: every code with its title and page.
pub const CODES: &[Code] = &[
    Code {
        code: E0101,
        title: "syntax error",
        page: include_str!("pages/E0101.md"),
    },
    Code {
        code: E0102,
        title: "expression nested or chained too deeply",
        page: include_str!("pages/E0102.md"),
    },
    Code {
        code: E0103,
        title: "integer with a leading zero",
        page: include_str!("pages/E0103.md"),
    },
    Code {
        code: E0104,
        title: "block string of the wrong shape",
        page: include_str!("pages/E0104.md"),
    },
    Code {
        code: E0201,
        title: "unknown name",
        page: include_str!("pages/E0201.md"),
    },
    Code {
        code: E0202,
        title: "duplicate declaration",
        page: include_str!("pages/E0202.md"),
    },
    Code {
        code: E0203,
        title: "unknown module",
        page: include_str!("pages/E0203.md"),
    },
    Code {
        code: E0204,
        title: "definition not imported",
        page: include_str!("pages/E0204.md"),
    },
    Code {
        code: E0205,
        title: "unknown field",
        page: include_str!("pages/E0205.md"),
    },
    Code {
        code: E0206,
        title: "missing field or argument",
        page: include_str!("pages/E0206.md"),
    },
    Code {
        code: E0207,
        title: "wrong kind of declaration",
        page: include_str!("pages/E0207.md"),
    },
    Code {
        code: E0208,
        title: "statement not allowed here",
        page: include_str!("pages/E0208.md"),
    },
    Code {
        code: E0209,
        title: "reference not allowed here",
        page: include_str!("pages/E0209.md"),
    },
    Code {
        code: E0210,
        title: "ambiguous type name",
        page: include_str!("pages/E0210.md"),
    },
    Code {
        code: E0211,
        title: "values override not allowed",
        page: include_str!("pages/E0211.md"),
    },
    Code {
        code: E0212,
        title: "patch of an object the component does not emit",
        page: include_str!("pages/E0212.md"),
    },
    Code {
        code: E0213,
        title: "chart override without a chart",
        page: include_str!("pages/E0213.md"),
    },
    Code {
        code: E0214,
        title: "chart version or source of the wrong kind",
        page: include_str!("pages/E0214.md"),
    },
    Code {
        code: E0215,
        title: "namespace declared twice on a cluster",
        page: include_str!("pages/E0215.md"),
    },
    Code {
        code: E0216,
        title: "`file` of a file that is not UTF-8 text",
        page: include_str!("pages/E0216.md"),
    },
    Code {
        code: E0217,
        title: "`file` of a folder",
        page: include_str!("pages/E0217.md"),
    },
    Code {
        code: E0218,
        title: "pin of a definition without a chart",
        page: include_str!("pages/E0218.md"),
    },
    Code {
        code: E0219,
        title: "definition pinned twice",
        page: include_str!("pages/E0219.md"),
    },
    Code {
        code: E0301,
        title: "type mismatch",
        page: include_str!("pages/E0301.md"),
    },
    Code {
        code: E0302,
        title: "invalid literal",
        page: include_str!("pages/E0302.md"),
    },
    Code {
        code: E0303,
        title: "unit mismatch",
        page: include_str!("pages/E0303.md"),
    },
    Code {
        code: E0304,
        title: "plaintext secret",
        page: include_str!("pages/E0304.md"),
    },
    Code {
        code: E0305,
        title: "invalid Kubernetes name",
        page: include_str!("pages/E0305.md"),
    },
    Code {
        code: E0306,
        title: "arithmetic error",
        page: include_str!("pages/E0306.md"),
    },
    Code {
        code: E0307,
        title: "evaluation limit",
        page: include_str!("pages/E0307.md"),
    },
    Code {
        code: E0308,
        title: "requirement not met",
        page: include_str!("pages/E0308.md"),
    },
    Code {
        code: E0309,
        title: "chart URL of the wrong kind",
        page: include_str!("pages/E0309.md"),
    },
    Code {
        code: E0310,
        title: "cron expression of the wrong form",
        page: include_str!("pages/E0310.md"),
    },
    Code {
        code: E0311,
        title: "unknown Flux setting",
        page: include_str!("pages/E0311.md"),
    },
    Code {
        code: E0312,
        title: "Flux setting outside its choices",
        page: include_str!("pages/E0312.md"),
    },
    Code {
        code: E0313,
        title: "Flux setting Flux would refuse",
        page: include_str!("pages/E0313.md"),
    },
    Code {
        code: E0314,
        title: "Flux setting that cannot apply where it is set",
        page: include_str!("pages/E0314.md"),
    },
    Code {
        code: E0315,
        title: "unknown output layout",
        page: include_str!("pages/E0315.md"),
    },
    Code {
        code: E0401,
        title: "reference to a component on another cluster",
        page: include_str!("pages/E0401.md"),
    },
    Code {
        code: E0402,
        title: "capability not provided on this cluster",
        page: include_str!("pages/E0402.md"),
    },
    Code {
        code: E0403,
        title: "custom resource without its CRD",
        page: include_str!("pages/E0403.md"),
    },
    Code {
        code: E0404,
        title: "overlapping address ranges",
        page: include_str!("pages/E0404.md"),
    },
    Code {
        code: E0405,
        title: "address outside its pool",
        page: include_str!("pages/E0405.md"),
    },
    Code {
        code: E0406,
        title: "mesh conflict",
        page: include_str!("pages/E0406.md"),
    },
    Code {
        code: E0407,
        title: "dependency cycle",
        page: include_str!("pages/E0407.md"),
    },
    Code {
        code: E0408,
        title: "duplicate object",
        page: include_str!("pages/E0408.md"),
    },
    Code {
        code: E0409,
        title: "address used twice",
        page: include_str!("pages/E0409.md"),
    },
    Code {
        code: E0410,
        title: "capacity exceeded",
        page: include_str!("pages/E0410.md"),
    },
    Code {
        code: E0411,
        title: "namespace nothing creates",
        page: include_str!("pages/E0411.md"),
    },
    Code {
        code: E0412,
        title: "unknown namespace in a selector",
        page: include_str!("pages/E0412.md"),
    },
    Code {
        code: E0413,
        title: "custom resource nothing reconciles",
        page: include_str!("pages/E0413.md"),
    },
    Code {
        code: E0414,
        title: "once-per-lab definition placed twice",
        page: include_str!("pages/E0414.md"),
    },
    Code {
        code: E0415,
        title: "CRD installed twice",
        page: include_str!("pages/E0415.md"),
    },
    Code {
        code: E0416,
        title: "secret nothing produces",
        page: include_str!("pages/E0416.md"),
    },
    Code {
        code: E0417,
        title: "selector that matches no pod",
        page: include_str!("pages/E0417.md"),
    },
    Code {
        code: E0418,
        title: "service address outside the service range",
        page: include_str!("pages/E0418.md"),
    },
    Code {
        code: E0419,
        title: "removed API version",
        page: include_str!("pages/E0419.md"),
    },
    Code {
        code: E0420,
        title: "unknown bootstrap setting or value",
        page: include_str!("pages/E0420.md"),
    },
    Code {
        code: E0421,
        title: "bootstrap setting its mode cannot honour",
        page: include_str!("pages/E0421.md"),
    },
    Code {
        code: E0422,
        title: "namespace that cannot be declared",
        page: include_str!("pages/E0422.md"),
    },
    Code {
        code: E0423,
        title: "invalid namespace label or annotation",
        page: include_str!("pages/E0423.md"),
    },
    Code {
        code: E0424,
        title: "dependency cycle through a namespace",
        page: include_str!("pages/E0424.md"),
    },
    Code {
        code: E0425,
        title: "`depends_on` of a component not on the cluster",
        page: include_str!("pages/E0425.md"),
    },
    Code {
        code: E0501,
        title: "conflicting values",
        page: include_str!("pages/E0501.md"),
    },
    Code {
        code: E0502,
        title: "no lab declaration",
        page: include_str!("pages/E0502.md"),
    },
    Code {
        code: E0503,
        title: "unknown manifest file",
        page: include_str!("pages/E0503.md"),
    },
    Code {
        code: E0504,
        title: "invalid manifest",
        page: include_str!("pages/E0504.md"),
    },
    Code {
        code: E0505,
        title: "invalid kind",
        page: include_str!("pages/E0505.md"),
    },
    Code {
        code: E0506,
        title: "invalid API version",
        page: include_str!("pages/E0506.md"),
    },
    Code {
        code: E0507,
        title: "kustomize configuration as a resource",
        page: include_str!("pages/E0507.md"),
    },
    Code {
        code: E0508,
        title: "reserved component name",
        page: include_str!("pages/E0508.md"),
    },
    Code {
        code: E0509,
        title: "unknown field in an object",
        page: include_str!("pages/E0509.md"),
    },
    Code {
        code: E0510,
        title: "field of the wrong type",
        page: include_str!("pages/E0510.md"),
    },
    Code {
        code: E0511,
        title: "value not in the schema's list",
        page: include_str!("pages/E0511.md"),
    },
    Code {
        code: E0512,
        title: "value of the wrong format",
        page: include_str!("pages/E0512.md"),
    },
    Code {
        code: E0513,
        title: "value not matching the schema's pattern",
        page: include_str!("pages/E0513.md"),
    },
    Code {
        code: E0514,
        title: "required field missing",
        page: include_str!("pages/E0514.md"),
    },
    Code {
        code: E0515,
        title: "fields that exclude each other",
        page: include_str!("pages/E0515.md"),
    },
    Code {
        code: E0516,
        title: "value matching none of the alternatives",
        page: include_str!("pages/E0516.md"),
    },
    Code {
        code: E0517,
        title: "value out of range",
        page: include_str!("pages/E0517.md"),
    },
    Code {
        code: E0518,
        title: "duplicate list item",
        page: include_str!("pages/E0518.md"),
    },
    Code {
        code: E0519,
        title: "apiVersion not served",
        page: include_str!("pages/E0519.md"),
    },
    Code {
        code: E0520,
        title: "schema source not found or not readable",
        page: include_str!("pages/E0520.md"),
    },
    Code {
        code: E0601,
        title: "unused import",
        page: include_str!("pages/E0601.md"),
    },
    Code {
        code: E0602,
        title: "unused definition",
        page: include_str!("pages/E0602.md"),
    },
    Code {
        code: E0603,
        title: "octal-looking integer",
        page: include_str!("pages/E0603.md"),
    },
    Code {
        code: E0604,
        title: "argument restates the default",
        page: include_str!("pages/E0604.md"),
    },
    Code {
        code: E0605,
        title: "deprecated API version",
        page: include_str!("pages/E0605.md"),
    },
    Code {
        code: E0606,
        title: "capability default never used",
        page: include_str!("pages/E0606.md"),
    },
    Code {
        code: E0607,
        title: "pin of a definition the lab does not use",
        page: include_str!("pages/E0607.md"),
    },
    Code {
        code: E0608,
        title: "schema checked against the nearest version",
        page: include_str!("pages/E0608.md"),
    },
    Code {
        code: E0609,
        title: "unknown Kubernetes version",
        page: include_str!("pages/E0609.md"),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        let mut prev = "";
        for c in CODES {
            assert!(c.code.len() == 5 && c.code.starts_with('E'), "{}", c.code);
            assert!(c.code[1..].chars().all(|ch| ch.is_ascii_digit()));
            assert!(c.code > prev, "{} out of order", c.code);
            assert!(!c.page.is_empty());
            prev = c.code;
        }
        assert!(lookup("e0101").is_some());
    }
}
