; Indentation of the .lab language (nvim-treesitter `@indent.*` captures).
[
  (body)
  (record)
  (list)
  (list_comprehension)
  (parameters)
  (arguments)
  (type_declaration)
  (settings_statement)
  (crds_statement)
] @indent.begin

[
  "}"
  "]"
  ")"
] @indent.branch @indent.end

(comment) @indent.auto

(string) @indent.ignore

(block_string) @indent.ignore
