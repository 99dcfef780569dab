#!/usr/bin/env node
// Writes lab.tmLanguage.json, the TextMate grammar of `.lab` files, beside this script.
// The regular expressions share pieces (an identifier, a key path, a type), so they are
// built here rather than written by hand in JSON; `node editors/vscode/test/run.js` fails
// when the committed JSON differs from what this script builds. Run it after an edit:
//   node editors/vscode/syntaxes/build-grammar.js
// It follows grammar/lab.pest, the only grammar of the language.
'use strict';
const fs = require('fs');
const path = require('path');

// ---------------------------------------------------------------------------
// Pieces (grammar/lab.pest: ident, keyword, type_expr, key_path, literals)
// ---------------------------------------------------------------------------

const IC = '[A-Za-z0-9_]'; // ident_char
// The words that cannot be identifiers (`keyword` in lab.pest). As in pest, `if-x` is the
// keyword `if`, a minus and `x`: a reserved word ends at the first non-ident_char.
const RESERVED = ['for', 'if', 'then', 'else', 'in', 'via', 'of', 'true', 'false', 'null'];
const NOT_RESERVED = `(?!(?:${RESERVED.join('|')})(?!${IC}))`;
// Kebab-case inside a name: a minus directly followed by an ident_char.
const IDENT = `(?:${NOT_RESERVED}[A-Za-z_](?:${IC}|-(?=${IC}))*)`;
// End of a non-reserved word used as a keyword (`on`, `cluster`): `on-prem` is one name.
const WEND = `(?!${IC}|-${IC})`;
// End of a reserved word.
const REND = `(?!${IC})`;
const WSTART = `(?<![A-Za-z0-9_-])`;
// A record type name (`type_name`): upper-case first letter.
const TYPE_NAME = `(?:[A-Z](?:${IC}|-(?=${IC}))*)`;
// A key of a key path: an identifier or a one-line string without quotes inside.
const KEY = `(?:${IDENT}|"(?:[^"\\\\]|\\\\.)*")`;
const KEY_PATH = `(?:${KEY}(?:\\s*\\.\\s*${KEY})*)`;
// type_expr: list<...>, map<...>, T?, T (only as far as it can be told on one line).
const TYPE = `(?:(?:(?:list|map)\\s*<\\s*)*${IDENT}(?:\\s*[>?])*)`;
// Where a statement or record item can start: line start, or after `{`, `}` or `,`.
const STMT_START = '(?:^|(?<=[{},]))\\s*';
// `on home, infra` in a declaration header.
const ON_LIST = `(?:\\s+(on)${WEND}(?:\\s+(${IDENT}(?:\\s*,\\s*${IDENT})*))?)?`;

const DECL_KINDS = ['lab', 'cluster', 'pool', 'type', 'operator', 'template', 'install', 'instance', 'tenant', 'namespace', 'pins'];
const BUILTINS = [
  'oci', 'helm', 'deployment', 'daemonset', 'statefulset', 'health', 'secret', 'lb_address',
  'len', 'join', 'str', 'map_of', 'contains', 'bytes', 'millicores', 'seconds', 'range',
  'file',
];

// Scopes, one per category (the table in ../README.md lists them).
const S = {
  decl: 'storage.type.declaration.lab',
  use: 'keyword.control.import.lab',
  stmt: 'keyword.other.statement.lab',
  control: 'keyword.control.lab',
  typeCtor: 'storage.type.constructor.lab',
  clusterScope: 'storage.modifier.cluster-scoped.lab',
  declName: 'entity.name.function.lab',
  typeName: 'entity.name.type.lab',
  module: 'entity.name.namespace.lab',
  variable: 'variable.other.lab',
  member: 'variable.other.member.lab',
  key: 'variable.other.property.lab',
  field: 'variable.other.property.lab',
  param: 'variable.parameter.lab',
  builtin: 'support.function.builtin.lab',
  call: 'entity.name.function.lab',
  accessor: 'punctuation.accessor.lab',
};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const inc = (...names) => names.map((n) => ({ include: n.startsWith('$') ? n : `#${n}` }));
const caps = (...scopes) => {
  const o = {};
  scopes.forEach((s, i) => {
    if (s == null) return;
    o[String(i + 1)] = typeof s === 'string' ? { name: s } : s;
  });
  return o;
};
const punct = (what, side) => `punctuation.section.${what}.${side}.lab`;
// The cluster names after `on` in a header.
const NAMES = {
  patterns: [
    { match: ',', name: 'punctuation.separator.comma.lab' },
    { match: IDENT, name: 'variable.other.lab' },
  ],
};

// A bracketed region. In an interpolation (`eol`), every region also ends at the end of
// the line, since a string (and so its `${...}`) never spans lines.
function bracket(open, close, what, patterns, extraEnd, eol) {
  const ends = [`(\\${close})`];
  if (extraEnd) ends.push(extraEnd);
  if (eol) ends.push('(?=$)');
  return {
    begin: `\\${open}`,
    beginCaptures: { 0: { name: punct(what, 'begin') } },
    end: ends.join('|'),
    endCaptures: { 1: { name: punct(what, 'end') } },
    name: `meta.${what}.lab`,
    patterns,
  };
}

// ---------------------------------------------------------------------------
// The grammar
// ---------------------------------------------------------------------------

const repository = {
  comments: {
    patterns: [
      {
        begin: '#',
        beginCaptures: { 0: { name: 'punctuation.definition.comment.lab' } },
        end: '$',
        name: 'comment.line.number-sign.lab',
      },
      {
        begin: '//',
        beginCaptures: { 0: { name: 'punctuation.definition.comment.lab' } },
        end: '$',
        name: 'comment.line.double-slash.lab',
      },
    ],
  },

  // --- Declarations (top level; inside a body only from the start of a line, so that a
  // missing `}` does not hide the declarations after it).
  declarations: {
    patterns: [
      {
        comment: 'use std.cilium',
        match: `^\\s*(use)\\s+(${IDENT}(?:\\.${IDENT})*)`,
        captures: caps(S.use, S.module),
      },
      {
        comment: 'template name(params) { ... }: the parameters, then the body',
        begin: `^\\s*(template)\\s+(${IDENT})\\s*(\\()`,
        beginCaptures: caps(S.decl, S.declName, punct('parens', 'begin')),
        // An unclosed `(` ends at the next declaration in column 0.
        end: `(\\))|(?=^(?:use|${DECL_KINDS.join('|')})\\s)`,
        endCaptures: caps(punct('parens', 'end')),
        name: 'meta.parameters.lab',
        patterns: inc('comments', 'parameter', 'expression'),
      },
      {
        comment: 'instance db = postgres on infra',
        match: `^\\s*(instance)\\s+(${IDENT})(?:\\s*(=)\\s*(${IDENT})${ON_LIST})?`,
        captures: caps(S.decl, S.declName, 'keyword.operator.assignment.lab', S.declName, S.control, NAMES),
      },
      {
        comment: 'install cilium as cni on home, infra',
        match: `^\\s*(install)\\s+(${IDENT})(?:\\s+(as)\\s+(${IDENT}))?${ON_LIST}`,
        captures: caps(S.decl, S.declName, S.control, S.declName, S.control, NAMES),
      },
      {
        comment: 'type Node { ... }',
        match: `^\\s*(type)\\s+(${IDENT})`,
        captures: caps(S.decl, S.typeName),
      },
      {
        comment: 'pins { ... }: the lab\'s chart pins, without a name',
        match: `^\\s*(pins)\\s*(?=\\{)`,
        captures: caps(S.decl),
      },
      {
        comment: 'lab, cluster, pool, operator, template, tenant, namespace',
        match: `^\\s*(lab|cluster|pool|operator|template|tenant|namespace)\\s+(${IDENT})${ON_LIST}`,
        captures: caps(S.decl, S.declName, S.control, NAMES),
      },
    ],
  },
  // `on` and `as` of a declaration header written over several lines (top level only:
  // elsewhere they are names).
  'header-words': {
    match: `${WSTART}(on|as)${WEND}`,
    name: S.control,
  },

  // --- Statements of a body (checked per declaration kind by labc)
  statements: {
    patterns: [
      { match: `${STMT_START}(settings)(?=\\s*\\{)`, captures: caps(S.stmt) },
      {
        comment: 'crds "group/version" { cluster Kind, Kind } schema "crds/x.yaml"',
        begin: `${STMT_START}(crds)(?=\\s*")`,
        beginCaptures: caps(S.stmt),
        // After the closing brace, an optional `schema "..."` (its string is matched by
        // the enclosing patterns).
        end: '(?<=\\})(?:\\s*(schema)(?=\\s*"))?|(?=\\})',
        endCaptures: caps(S.stmt),
        patterns: [
          ...inc('comments', 'strings'),
          {
            begin: '\\{',
            beginCaptures: { 0: { name: punct('braces', 'begin') } },
            end: '\\}',
            endCaptures: { 0: { name: punct('braces', 'end') } },
            name: 'meta.braces.lab',
            patterns: [
              ...inc('comments'),
              { match: `${WSTART}(cluster)(?=\\s+[A-Za-z_])`, captures: caps(S.clusterScope) },
              { match: IDENT, name: S.typeName },
              ...inc('punctuation', 'illegal'),
            ],
          },
        ],
      },
      {
        comment: 'provides gateway_class "cilium"; capacity connections = 200',
        match: `${STMT_START}(provides|capacity)\\s+(${IDENT})`,
        captures: caps(S.stmt, S.key),
      },
      {
        comment: 'consumes connections of server = 60: the expression after `of` names a component',
        begin: `${STMT_START}(consumes)\\s+(${IDENT})\\s+(of)${REND}`,
        beginCaptures: caps(S.stmt, S.key, S.control),
        end: '(?==(?!=))|(?=[}]|$)',
        patterns: inc('comments', 'expression'),
      },
      {
        comment: 'resource "api/version" Kind name in ns { ... }',
        match: `${STMT_START}(resource)\\s*("(?:[^"\\\\]|\\\\.)*")\\s*(${IDENT})?`,
        captures: caps(S.stmt, { patterns: inc('strings') }, S.typeName),
      },
      { match: `${STMT_START}(resource)(?=\\s*")`, captures: caps(S.stmt) },
      {
        comment: 'include name { ... }: a template of the same file',
        match: `${STMT_START}(include)\\s+(${IDENT})`,
        captures: caps(S.stmt, S.declName),
      },
      {
        comment: 'require cond, "message"; manifest "file.yaml"; patch Kind name { ... } (not as a key: `manifest = ...`)',
        match: `${STMT_START}(require|manifest|patch)${WEND}(?!\\s*(?:=(?!=)|\\.(?!\\.)))`,
        captures: caps(S.stmt),
      },
      {
        comment: 'once, a whole statement (not as a key: `once = ...`)',
        match: `${STMT_START}(once)${WEND}(?!\\s*(?:=(?!=)|\\.(?!\\.)|[{,:)\\]]))`,
        captures: caps(S.stmt),
      },
    ],
  },

  // `name: type = default` in `settings { }` and `type T { }`.
  field: {
    match: `${STMT_START}(${IDENT})\\s*(:)(?!:)\\s*(${TYPE})?`,
    captures: caps(S.field, 'punctuation.separator.colon.lab', { patterns: inc('type') }),
  },
  // `name: type = default` in a template's parameters.
  parameter: {
    match: `(?:^|(?<=[(,]))\\s*(${IDENT})\\s*(:)(?!:)\\s*(${TYPE})?`,
    captures: caps(S.param, 'punctuation.separator.colon.lab', { patterns: inc('type') }),
  },
  type: {
    patterns: [
      { match: `${WSTART}(list|map)(?=\\s*<)`, name: S.typeCtor },
      { match: '<', name: 'punctuation.definition.typeparameters.begin.lab' },
      { match: '>', name: 'punctuation.definition.typeparameters.end.lab' },
      { match: '\\?', name: 'keyword.operator.optional.lab' },
      { match: IDENT, name: S.typeName },
    ],
  },

  // Keys on the left of `=` (`domain = ...`, `metadata.labels.team = ...`, `type = "rw"`) and of a
  // nested record (`values { ... }`, only where a record item can start).
  keys: {
    patterns: [
      {
        match: `${STMT_START}(${KEY_PATH})(?=\\s*\\{)`,
        captures: caps({ patterns: inc('key-path') }),
      },
      {
        comment: 'domain = ..., type = "rw", metadata.labels.team = ...: anywhere in a body or record',
        match: `(${KEY_PATH})\\s*(=)(?!=)`,
        captures: caps({ patterns: inc('key-path') }, 'keyword.operator.assignment.lab'),
      },
    ],
  },
  // At the top level (only after a missing `{` or a stray `}`): from the start of a line.
  'top-keys': {
    patterns: [
      {
        match: `^\\s*(${KEY_PATH})(?=\\s*\\{)`,
        captures: caps({ patterns: inc('key-path') }),
      },
      {
        match: `^\\s*(${KEY_PATH})\\s*(=)(?!=)`,
        captures: caps({ patterns: inc('key-path') }, 'keyword.operator.assignment.lab'),
      },
    ],
  },
  'key-path': {
    patterns: [
      ...inc('strings'),
      { match: '\\.', name: S.accessor },
      { match: IDENT, name: S.key },
    ],
  },
  // Named arguments of a call: `oci(url, version: "1.0")`.
  'named-arg': {
    match: `(?:^|(?<=[(,]))\\s*(${IDENT})\\s*(:)(?!:)`,
    captures: caps(S.param, 'punctuation.separator.colon.lab'),
  },

  // --- Bracketed regions
  braces: bracket('{', '}', 'braces', inc('comments', 'declarations', 'statements', 'field', 'keys', 'expression', 'stray-in-braces')),
  brackets: bracket('[', ']', 'brackets', inc('comments', 'expression'), '(?=[})])'),
  parens: bracket('(', ')', 'parens', inc('comments', 'named-arg', 'expression'), '(?=[}\\]])'),
  'interp-braces': bracket('{', '}', 'braces', inc('keys', 'interp-expression'), null, true),
  'interp-brackets': bracket('[', ']', 'brackets', inc('interp-expression'), '(?=[})])', true),
  'interp-parens': bracket('(', ')', 'parens', inc('named-arg', 'interp-expression'), '(?=[}\\]])', true),
  'stray-in-braces': { match: '[)\\]]', name: 'invalid.illegal.stray-bracket.lab' },
  'stray-top': { match: '[})\\]]', name: 'invalid.illegal.stray-bracket.lab' },

  // --- Expressions
  expression: { patterns: inc('expression-common', 'braces', 'brackets', 'parens') },
  'interp-expression': { patterns: inc('expression-common', 'interp-braces', 'interp-brackets', 'interp-parens') },
  'expression-common': {
    patterns: inc('strings', 'numbers', 'constants', 'control', 'operators', 'typed-record', 'calls', 'field-access', 'identifiers', 'punctuation', 'illegal'),
  },
  // A character that lab.pest has nowhere outside strings and comments (`;`, `'`, `@`, a
  // non-ASCII letter, ...).
  illegal: { match: '[^\\sA-Za-z0-9_{}\\[\\]().,:=!<>+\\-*/&|?%"#]', name: 'invalid.illegal.character.lab' },

  strings: {
    patterns: [
      {
        comment: 'A block string: from `"""` over lines to the next `"""`; a `\\` at the end of a line joins it to the next',
        begin: '"""',
        beginCaptures: { 0: { name: 'punctuation.definition.string.begin.lab' } },
        end: '"""',
        endCaptures: { 0: { name: 'punctuation.definition.string.end.lab' } },
        name: 'string.quoted.triple.lab',
        patterns: [{ match: '\\\\$', name: 'constant.character.escape.lab' }, ...inc('string-content')],
      },
      {
        comment: 'A string with no closing quote on its line: it ends at the end of the line',
        begin: '"(?=(?:[^"\\\\$]|\\\\.|\\$(?!\\{)|\\$\\{[^"}]*\\})*(?:\\$\\{[^"}]*)?$)',
        beginCaptures: { 0: { name: 'punctuation.definition.string.begin.lab' } },
        end: '$',
        name: 'string.quoted.double.lab invalid.illegal.unclosed-string.lab',
        patterns: inc('string-content'),
      },
      {
        begin: '"',
        beginCaptures: { 0: { name: 'punctuation.definition.string.begin.lab' } },
        end: '(")|$',
        endCaptures: { 1: { name: 'punctuation.definition.string.end.lab' } },
        name: 'string.quoted.double.lab',
        patterns: inc('string-content'),
      },
    ],
  },
  'string-content': {
    patterns: [
      // escape = "\\" ~ ("\"" | "\\" | "n" | "t" | "r" | "$")
      { match: '\\\\(?:"|\\\\|n|t|r|\\$)', name: 'constant.character.escape.lab' },
      { match: '\\\\.?', name: 'invalid.illegal.unknown-escape.lab' },
      {
        begin: '\\$\\{',
        beginCaptures: { 0: { name: 'punctuation.section.interpolation.begin.lab' } },
        end: '(\\})|(?=$)',
        endCaptures: { 1: { name: 'punctuation.section.interpolation.end.lab' } },
        name: 'meta.interpolation.lab',
        contentName: 'meta.embedded.line.lab',
        patterns: inc('interp-expression'),
      },
    ],
  },

  numbers: {
    patterns: [
      { match: '\\b\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+(?![A-Za-z0-9_])', name: 'constant.numeric.cidr.lab' },
      { match: '\\b\\d+\\.\\d+\\.\\d+\\.\\d+(?![A-Za-z0-9_])', name: 'constant.numeric.ip.lab' },
      { match: '\\b\\d+(?:\\.\\d+)?[A-Za-z]+(?:\\d+[A-Za-z]+)*(?![A-Za-z0-9_])', name: 'constant.numeric.unit.lab' },
      { match: '\\b\\d+(?:\\.\\d+)?%', name: 'constant.numeric.percent.lab' },
      { match: '\\b\\d+\\.\\d+(?![A-Za-z0-9_]|\\.\\d)', name: 'constant.numeric.decimal.lab' },
      { match: '\\b\\d+(?![A-Za-z0-9_]|\\.\\d)', name: 'constant.numeric.integer.lab' },
      { match: '\\b\\d[A-Za-z0-9_.]*', name: 'invalid.illegal.number.lab' },
    ],
  },
  constants: {
    patterns: [
      { match: `\\b(true|false)${REND}`, name: 'constant.language.boolean.lab' },
      { match: `\\b(null)${REND}`, name: 'constant.language.null.lab' },
    ],
  },
  control: {
    patterns: [
      { match: `\\b(via)(?:\\s+(mesh)${WEND})?`, captures: caps(S.control, S.control) },
      { match: `\\b(for|in|if|then|else|of)${REND}`, name: S.control },
    ],
  },
  operators: {
    patterns: [
      { match: '\\.\\.', name: 'keyword.operator.range.lab' },
      { match: '==|!=|<=|>=|<|>', name: 'keyword.operator.comparison.lab' },
      { match: '&&|\\|\\||!', name: 'keyword.operator.logical.lab' },
      { match: '=', name: 'keyword.operator.assignment.lab' },
      { match: '[-+*/]', name: 'keyword.operator.arithmetic.lab' },
      { match: '\\?', name: 'keyword.operator.optional.lab' },
    ],
  },
  'typed-record': {
    match: `(${TYPE_NAME})(?=\\s*\\{)`,
    captures: caps(S.typeName),
  },
  calls: {
    patterns: [
      { match: `\\b(${BUILTINS.join('|')})(?=\\s*\\()`, captures: caps(S.builtin) },
      { match: `(${IDENT})(?=\\s*\\()`, captures: caps(S.call) },
    ],
  },
  'field-access': {
    match: `(\\.)(${IDENT})`,
    captures: caps(S.accessor, S.member),
  },
  identifiers: { match: IDENT, name: S.variable },
  punctuation: {
    patterns: [
      { match: ',', name: 'punctuation.separator.comma.lab' },
      { match: ':', name: 'punctuation.separator.colon.lab' },
      { match: '\\.', name: S.accessor },
    ],
  },
};

const grammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'lab',
  scopeName: 'source.lab',
  fileTypes: ['lab'],
  comment: 'Generated by build-grammar.js from grammar/lab.pest; do not edit by hand.',
  patterns: inc('comments', 'declarations', 'header-words', 'top-keys', 'expression', 'stray-top'),
  repository,
};

function build() {
  return JSON.stringify(grammar, null, 2) + '\n';
}

module.exports = { build, BUILTINS, DECL_KINDS, RESERVED };

if (require.main === module) {
  const out = path.join(__dirname, 'lab.tmLanguage.json');
  fs.writeFileSync(out, build());
  console.log(`wrote ${out}`);
}
