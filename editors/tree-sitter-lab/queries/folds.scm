; Folds of the .lab language: bodies, records, lists and multi-line parameter lists.
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
] @fold
