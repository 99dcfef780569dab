; Highlights of the .lab language (nvim-treesitter capture names).
; Where two patterns capture the same node, the later one wins, in Neovim as in the
; tree-sitter CLI and Helix (both reversed their old first-match order in 2024): a
; specific pattern comes after the general one.

; ---------------------------------------------------------------- keywords

; Declaration kinds.
[
  "lab"
  "cluster"
  "pool"
  "operator"
  "install"
  "instance"
  "tenant"
  "namespace"
  "pins"
] @keyword

"type" @keyword.type

"template" @keyword.function

"use" @keyword.import

; Statement keywords.
[
  "settings"
  "crds"
  "schema"
  "provides"
  "capacity"
  "consumes"
  "require"
  "resource"
  "manifest"
  "include"
  "patch"
] @keyword

; `once` alone is the whole statement, a leaf.
(once_statement) @keyword

(cluster_scope) @keyword

; Control words.
[
  "for"
  "in"
] @keyword.repeat

[
  "if"
  "then"
  "else"
] @keyword.conditional

[
  "of"
  "via"
  "mesh"
  "as"
  "on"
] @keyword.operator

; Type constructors.
[
  "list"
  "map"
] @type.builtin

; ---------------------------------------------------------------- names
; Every identifier has one capture below, except builtin types and functions, whose
; pattern follows the general one.

(use_declaration
  path: (module_path (identifier) @module))

(type_declaration name: (identifier) @type.definition)

(template_declaration name: (identifier) @function)

(lab_declaration name: (identifier) @type.definition)
(cluster_declaration name: (identifier) @type.definition)
(pool_declaration name: (identifier) @type.definition)
(operator_declaration name: (identifier) @type.definition)
(install_declaration name: (identifier) @type.definition)
(as_name name: (identifier) @type.definition)
(instance_declaration name: (identifier) @type.definition)
(tenant_declaration name: (identifier) @type.definition)
(namespace_declaration name: (identifier) @type.definition)

; A component's template, and the clusters a declaration goes on.
(instance_declaration template: (identifier) @function)
(install_declaration target: (identifier) @variable)
(instance_declaration target: (identifier) @variable)
(pool_declaration cluster: (identifier) @variable)
(tenant_declaration cluster: (identifier) @variable)
(namespace_declaration target: (identifier) @variable)

; Types.
(type_identifier) @type

((type_identifier) @type.builtin
  (#any-of? @type.builtin
    "any" "bool" "int" "string" "quantity" "cpu" "duration" "percent" "ip" "cidr"
    "range" "port" "asn" "version" "url" "name" "secret" "cron" "cron6"))

(crd_kind kind: (identifier) @type)

(resource_statement kind: (identifier) @type)

(patch_statement kind: (identifier) @type)

(provides_statement kind: (identifier) @type)

(capacity_statement kind: (identifier) @property)

(consumes_statement kind: (identifier) @property)

(include_statement name: (identifier) @type)

; Parameters, fields and settings.
(parameters
  (field_declaration name: (identifier) @variable.parameter))

(settings_statement
  (field_declaration name: (identifier) @variable.parameter))

(type_declaration
  (field_declaration name: (identifier) @variable.member))

(argument name: (identifier) @variable.parameter)

; Calls.
(call_expression function: (identifier) @function)

((call_expression function: (identifier) @function.builtin)
  (#any-of? @function.builtin
    "bytes" "contains" "daemonset" "deployment" "file" "health" "helm" "join" "lb_address"
    "len" "map_of" "millicores" "oci" "range" "seconds" "secret" "statefulset" "str"))

; Keys on the left of `=` and of a block (`metadata.labels.team = ...`, `spec { ... }`).
(key_path (identifier) @property)

(field_expression field: (identifier) @variable.member)

; Loop variables and names used as values.
(for_statement variable: (identifier) @variable)
(record_for variable: (identifier) @variable)
(list_comprehension variable: (identifier) @variable)

(variable) @variable

; ---------------------------------------------------------------- literals

(string) @string

(block_string) @string

(escape_sequence) @string.escape

(integer) @number

(decimal) @number.float

[
  (unit)
  (percent)
  (ip_address)
  (cidr)
] @number

[
  "true"
  "false"
] @boolean

(null) @constant.builtin

(comment) @comment

; ---------------------------------------------------------------- operators

[
  "!"
  "-"
  ".."
  "||"
  "&&"
  "=="
  "!="
  "<="
  ">="
  "<"
  ">"
  "+"
  "*"
  "/"
  "="
] @operator

[
  "("
  ")"
  "["
  "]"
  "{"
  "}"
] @punctuation.bracket


[
  ","
  ":"
  "."
] @punctuation.delimiter

"?" @punctuation.special

(list_type
  [
    "<"
    ">"
  ] @punctuation.bracket)

(map_type
  [
    "<"
    ">"
  ] @punctuation.bracket)

; `${ }` of an interpolation (after the brackets: the later pattern wins).
(interpolation
  [
    "${"
    "}"
  ] @punctuation.special)
