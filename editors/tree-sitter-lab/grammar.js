/**
 * @file tree-sitter grammar of the .lab language.
 *
 * It follows grammar/lab.pest, the only grammar of labc: the same declarations,
 * statements, expressions (with the precedences of src/syntax/parse.rs) and literals.
 * Where the PEG grammar backtracks, this LR grammar resolves the choice the same way
 * with precedences (see the comments of the rules).
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// Binding strength, as `precedence` in src/syntax/parse.rs (higher binds tighter; all
// binary operators are left-associative). Prefix operators apply to a postfix
// expression, so they bind tighter than every binary operator.
const PREC = {
  if: -1,
  range: 1,
  or: 2,
  and: 3,
  compare: 4,
  add: 5,
  mul: 6,
  unary: 7,
  postfix: 8,
};

// Statement keywords that are not reserved words in lab.pest: in a body, `resource`,
// `include`, ... may still name a key (`crds.enabled = true`), as declaration keywords
// name fields (`cluster.id`, `type = "rw"`).
const STATEMENT_WORDS = [
  'settings', 'crds', 'provides', 'capacity', 'consumes', 'require', 'resource',
  'manifest', 'include', 'patch', 'once', 'schema',
];

const IDENT = /[a-zA-Z_][a-zA-Z0-9_]*(-[a-zA-Z0-9_]+)*/;

/**
 * @param {RuleOrLiteral} rule
 * @param {RuleOrLiteral} sep
 */
function sepBy1(rule, sep) {
  return seq(rule, repeat(seq(sep, rule)));
}

/** @param {RuleOrLiteral} rule */
function commaSepTrailing(rule) {
  return optional(seq(sepBy1(rule, ','), optional(',')));
}

module.exports = grammar({
  name: 'lab',

  word: $ => $.identifier,

  extras: $ => [/\s/, $.comment],

  supertypes: $ => [$._declaration, $._statement, $._expression, $._type],

  // `crds ... { } schema "x"` or `crds ... { }` then a key `schema = ...`: decided by
  // what follows `schema`, as the PEG grammar backtracks.
  conflicts: $ => [[$.crds_statement]],

  rules: {
    source_file: $ => repeat(choice($.use_declaration, $._declaration)),

    // ----------------------------------------------------------------- names

    // Kebab-case inside a name (`shared-postgres`); `a - b` with spaces is subtraction.
    identifier: _ => IDENT,

    // Record types start with an uppercase letter (`Node { ... }`), so `if ready { ... }`
    // is never a record. Where both are possible, an uppercase word is a type name.
    _type_name: _ => token(prec(1, /[A-Z][a-zA-Z0-9_]*(-[a-zA-Z0-9_]+)*/)),

    comment: _ => token(choice(seq('#', /.*/), seq('//', /.*/))),

    module_path: $ => sepBy1($.identifier, '.'),

    _name_list: $ => sepBy1(field('target', $.identifier), ','),

    // ------------------------------------------------------------- top level

    use_declaration: $ => seq('use', field('path', $.module_path)),

    _declaration: $ => choice(
      $.lab_declaration,
      $.cluster_declaration,
      $.pool_declaration,
      $.type_declaration,
      $.operator_declaration,
      $.template_declaration,
      $.install_declaration,
      $.instance_declaration,
      $.tenant_declaration,
      $.namespace_declaration,
      $.pins_declaration,
    ),

    lab_declaration: $ => seq('lab', field('name', $.identifier), field('body', $.body)),

    cluster_declaration: $ => seq('cluster', field('name', $.identifier), field('body', $.body)),

    pool_declaration: $ => seq(
      'pool', field('name', $.identifier), 'on', field('cluster', $.identifier),
      field('body', $.body),
    ),

    type_declaration: $ => seq(
      'type', field('name', $.identifier),
      '{', repeat(seq($.field_declaration, optional(','))), '}',
    ),

    operator_declaration: $ => seq('operator', field('name', $.identifier), field('body', $.body)),

    template_declaration: $ => seq(
      'template', field('name', $.identifier), field('parameters', $.parameters),
      field('body', $.body),
    ),

    install_declaration: $ => seq(
      'install', field('name', $.identifier), optional($.as_name),
      'on', $._name_list, optional(field('body', $.body)),
    ),

    instance_declaration: $ => seq(
      'instance', field('name', $.identifier), '=', field('template', $.identifier),
      'on', $._name_list, optional(field('body', $.body)),
    ),

    tenant_declaration: $ => seq(
      'tenant', field('name', $.identifier), 'on', field('cluster', $.identifier),
      field('body', $.body),
    ),

    // `namespace media on apps { labels = { ... } }`: only a top-level item starts with
    // it, so `namespace = "..."` in a body stays an assignment.
    namespace_declaration: $ => seq(
      'namespace', field('name', $.identifier),
      'on', $._name_list, optional(field('body', $.body)),
    ),
    // The lab's chart pins: `pins { definition = oci(...) }` (no name).
    pins_declaration: $ => seq('pins', field('body', $.body)),

    as_name: $ => seq('as', field('name', $.identifier)),

    parameters: $ => seq('(', commaSepTrailing($.field_declaration), ')'),

    field_declaration: $ => seq(
      field('name', $.identifier), ':', field('type', $._type),
      optional(seq('=', field('default', $._expression))),
    ),

    _type: $ => choice($.list_type, $.map_type, $.optional_type, $._type_identifier),

    list_type: $ => seq('list', '<', field('element', $._type), '>'),

    map_type: $ => seq('map', '<', field('value', $._type), '>'),

    optional_type: $ => seq($._type_identifier, '?'),

    _type_identifier: $ => choice(
      alias($.identifier, $.type_identifier),
      alias($._type_name, $.type_identifier),
    ),

    // ------------------------------------------------------------ statements

    body: $ => seq('{', repeat($._statement), '}'),

    _statement: $ => choice(
      $.settings_statement,
      $.crds_statement,
      $.provides_statement,
      $.capacity_statement,
      $.consumes_statement,
      $.require_statement,
      $.resource_statement,
      $.manifest_statement,
      $.include_statement,
      $.patch_statement,
      $.once_statement,
      $.for_statement,
      $.if_statement,
      alias($._body_assignment, $.assignment),
      alias($._body_block_assignment, $.block_assignment),
    ),

    settings_statement: $ => seq(
      'settings', '{', repeat(seq($.field_declaration, optional(','))), '}',
    ),

    crds_statement: $ => seq(
      'crds', field('group', $.string),
      '{', repeat(seq($.crd_kind, optional(','))), '}',
      optional(seq('schema', field('schema', $.string))),
    ),

    crd_kind: $ => seq(optional(alias('cluster', $.cluster_scope)), field('kind', $._kind_name)),

    _kind_name: $ => choice($.identifier, alias($._type_name, $.identifier)),

    provides_statement: $ => seq('provides', field('kind', $.identifier), field('value', $._expression)),

    capacity_statement: $ => seq(
      'capacity', field('kind', $.identifier), '=', field('value', $._expression),
    ),

    consumes_statement: $ => seq(
      'consumes', field('kind', $.identifier), 'of', field('provider', $._expression),
      '=', field('value', $._expression),
    ),

    // A rule the author of a template or operator states: `require cond, "message"`.
    require_statement: $ => seq(
      'require', field('condition', $._expression), ',', field('message', $._expression),
    ),

    resource_statement: $ => seq(
      'resource', field('api_version', $.string), field('kind', $._kind_name),
      field('name', $._expression),
      optional($.namespace_clause), optional(field('body', $.record)),
    ),

    namespace_clause: $ => seq('in', field('namespace', $._expression)),

    manifest_statement: $ => seq('manifest', field('path', $._expression)),

    // A change merged into an object the component's definition emits.
    patch_statement: $ => seq(
      'patch', optional(field('api_version', $.string)), field('kind', $._kind_name),
      field('name', $._expression), field('body', $.record),
    ),
    // A definition placed at most once in the lab: `once`.
    once_statement: _ => 'once',

    include_statement: $ => seq('include', field('name', $.identifier), optional(field('body', $.record))),

    for_statement: $ => seq(
      'for', field('variable', $.identifier), 'in', field('iterable', $._expression),
      field('body', $.body),
    ),

    if_statement: $ => seq(
      'if', field('condition', $._expression), field('consequence', $.body),
      repeat($.else_if_clause),
      optional($.else_clause),
    ),

    else_if_clause: $ => seq(
      'else', 'if', field('condition', $._expression), field('consequence', $.body),
    ),

    else_clause: $ => seq('else', field('body', $.body)),

    // A key of a body may be a statement word (`crds.enabled = true`): the statement
    // wins where both could start (`settings { ... }`), as the PEG grammar tries the
    // statements first.
    _body_assignment: $ => seq(
      field('key', alias($._body_key_path, $.key_path)), '=', field('value', $._expression),
      optional(','),
    ),

    _body_block_assignment: $ => seq(
      field('key', alias($._body_key_path, $.key_path)), field('value', $.record), optional(','),
    ),

    _body_key_path: $ => seq(
      choice($._key, $._statement_word),
      repeat(seq('.', $._key)),
    ),

    _statement_word: $ => prec(-1, choice(...STATEMENT_WORDS.map(w => alias(w, $.identifier)))),

    assignment: $ => seq(
      field('key', $.key_path), '=', field('value', $._expression), optional(','),
    ),

    block_assignment: $ => seq(field('key', $.key_path), field('value', $.record), optional(',')),

    key_path: $ => sepBy1($._key, '.'),

    _key: $ => choice($.identifier, $.string),

    // ----------------------------------------------------------- expressions

    _expression: $ => choice(
      $.unary_expression,
      $.binary_expression,
      $._postfix_or_primary,
    ),

    unary_expression: $ => prec(PREC.unary, seq(
      field('operator', choice('!', '-')), field('operand', $._expression),
    )),

    binary_expression: $ => {
      /** @type {[number, RuleOrLiteral][]} */
      const table = [
        [PREC.range, '..'],
        [PREC.or, '||'],
        [PREC.and, '&&'],
        [PREC.compare, choice('==', '!=', '<=', '>=', '<', '>')],
        [PREC.add, choice('+', '-')],
        [PREC.mul, choice('*', '/', 'of')],
      ];
      return choice(...table.map(([p, op]) => prec.left(p, seq(
        field('left', $._expression), field('operator', op), field('right', $._expression),
      ))));
    },

    _postfix_or_primary: $ => choice(
      $.field_expression,
      $.index_expression,
      $.via_mesh_expression,
      $._primary,
    ),

    field_expression: $ => prec(PREC.postfix, seq(
      field('object', $._expression), '.', field('field', $.identifier),
    )),

    // `xs[0]`, `xs[-1]` (from the end), `record["key"]`.
    index_expression: $ => prec(PREC.postfix, seq(
      field('object', $._expression), '[', field('index', $._expression), ']',
    )),

    via_mesh_expression: $ => prec(PREC.postfix, seq(field('object', $._expression), 'via', 'mesh')),

    _primary: $ => choice(
      $._literal,
      $.if_expression,
      $.list_comprehension,
      $.list,
      $.typed_record,
      $.call_expression,
      $.record,
      // `var` of lab.pest: a name used as a value.
      alias($.identifier, $.variable),
      // An uppercase name followed by `{` starts a typed record (lab.pest tries
      // `typed_record` before `var`).
      prec(-1, alias($._type_name, $.variable)),
      $.parenthesized_expression,
    ),

    parenthesized_expression: $ => seq('(', $._expression, ')'),

    call_expression: $ => seq(
      field('function', choice($.identifier, alias($._type_name, $.identifier))),
      field('arguments', $.arguments),
    ),

    arguments: $ => seq('(', commaSepTrailing($.argument), ')'),

    argument: $ => seq(
      optional(seq(field('name', $.identifier), ':')), field('value', $._expression),
    ),

    // `else if` nests: `if a then b else if c then d else e` is the same chain as the
    // repetition of lab.pest. The last branch extends as far as it can.
    if_expression: $ => prec.right(PREC.if, seq(
      'if', field('condition', $._expression),
      'then', field('consequence', $._expression),
      'else', field('alternative', $._expression),
    )),

    list: $ => seq('[', commaSepTrailing($._expression), ']'),

    list_comprehension: $ => seq(
      '[', 'for', field('variable', $.identifier), 'in', field('iterable', $._expression),
      optional(seq('if', field('condition', $._expression))),
      ':', field('element', $._expression), ']',
    ),

    typed_record: $ => seq(
      field('type', alias($._type_name, $.type_identifier)), field('record', $.record),
    ),

    record: $ => seq('{', repeat($._record_item), '}'),

    _record_item: $ => choice($.record_for, $.record_if, $.assignment, $.block_assignment),

    record_for: $ => seq(
      'for', field('variable', $.identifier), 'in', field('iterable', $._expression),
      field('body', $.record),
    ),

    record_if: $ => seq(
      'if', field('condition', $._expression), field('consequence', $.record),
      optional(seq('else', field('alternative', $.record))),
    ),

    // -------------------------------------------------------------- literals

    _literal: $ => choice(
      $.boolean, $.null, $.cidr, $.ip_address, $.unit, $.percent, $.decimal, $.integer,
      $.string, $.block_string,
    ),

    boolean: _ => choice('true', 'false'),

    null: _ => 'null',

    ip_address: _ => /\d+\.\d+\.\d+\.\d+/,

    cidr: _ => /\d+\.\d+\.\d+\.\d+\/\d+/,

    // `2Gi`, `500m`, `10m`, `1h30m`, `1.5Gi`: the expected type decides what the unit means.
    unit: _ => /\d+(\.\d+)?[a-zA-Z]+(\d+[a-zA-Z]+)*/,

    percent: _ => /\d+(\.\d+)?%/,

    decimal: _ => /\d+\.\d+/,

    integer: _ => /\d+/,

    // A string ends at the end of its line: an unclosed one does not run on.
    string: $ => seq(
      '"',
      repeat(choice(
        $.string_content,
        alias($._dollar, $.string_content),
        $.escape_sequence,
        $.interpolation,
      )),
      token.immediate('"'),
    ),

    string_content: _ => token.immediate(prec(1, /[^"\\\n$]+/)),

    _dollar: _ => token.immediate('$'),

    // `\"`, `\\`, `\n`, `\t`, `\r`, `\$`.
    escape_sequence: _ => token.immediate(seq('\\', choice('"', '\\', 'n', 't', 'r', '$'))),

    interpolation: $ => seq(token.immediate('${'), $._expression, '}'),

    // `"""` block strings run over lines to the next `"""`. Every part is immediate, so
    // no comment or whitespace is skipped inside; a lone `"` or `$` is text, and `\` at
    // the end of a line joins it to the next (an escape, as in lab.pest).
    block_string: $ => seq(
      '"""',
      repeat(choice(
        alias($._block_text, $.string_content),
        alias($._block_quote, $.string_content),
        alias($._dollar, $.string_content),
        alias($._block_escape, $.escape_sequence),
        $.interpolation,
      )),
      token.immediate('"""'),
    ),

    _block_text: _ => token.immediate(prec(1, /[^"\\$]+/)),

    _block_quote: _ => token.immediate('"'),

    _block_escape: _ => token.immediate(seq('\\', choice('"', '\\', 'n', 't', 'r', '$', /\r?\n/))),
  },
});
