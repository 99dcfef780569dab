//! The importer: CRD YAML, per-kind JSON schemas, core Kubernetes schemas with `$defs`,
//! OpenAPI v3 documents and compact files, into one [`SchemaSet`].
