; Scopes, definitions and references of the .lab language. Plain `@local.definition`
; (no `.parameter`/`.var` suffix): the tree-sitter CLI's highlighter recognizes only
; that name, Neovim and Helix accept it too. A reference to a parameter is highlighted
; as the parameter (`@variable.parameter`).

; Scopes: a template's parameters are visible in its body; bodies, records and
; comprehensions open a scope for their loop variables.
[
  (template_declaration)
  (body)
  (record)
  (for_statement)
  (record_for)
  (list_comprehension)
] @local.scope

; Definitions.
(parameters
  (field_declaration name: (identifier) @local.definition))

(settings_statement
  (field_declaration name: (identifier) @local.definition))

(for_statement variable: (identifier) @local.definition)

(record_for variable: (identifier) @local.definition)

(list_comprehension variable: (identifier) @local.definition)

; References: a name used as a value.
(variable) @local.reference
