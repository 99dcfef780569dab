#!/usr/bin/env node
// Tests of the `.lab` TextMate grammar in vscode-textmate 9 (the engine of VS Code).
//
//   npm ci --prefix editors/vscode/test      # once; offline from npm's cache
//   node editors/vscode/test/run.js          # from anywhere; exit 0 on pass, 1 on failure
//   node editors/vscode/test/run.js --dump FILE.lab   # print the tokens of a file
//
// Checks:
//  1. syntaxes/lab.tmLanguage.json is what syntaxes/build-grammar.js builds;
//  2. every quoted lowercase word of grammar/lab.pest occurs in the grammar as a word;
//  3. the assertion files test/cases/*.lab (format below);
//  4. every .lab file of lab/, stdlib/, tests/ and the docs' ```lab examples (except files whose `# expect:` line names
//     E0101 or E0102, the syntax errors) has no `invalid` scope and ends at the top level.
//
// Assertion format (as in Sublime's and vscode-tmgrammar-test's syntax tests): a line that
// starts with `#` and then only spaces before `^` or `<-` asserts on the last line above
// it that is not an assertion line. `^^^` marks columns; `<--` marks columns from 0 (one
// per `-` ... `<-` is column 0 alone). After the marks: the scopes every marked column
// must have (a scope matches a token scope equal to it or starting with it and a dot),
// then optionally `- scope ...`: scopes none of them may have.
'use strict';
const fs = require('fs');
const path = require('path');

const here = __dirname;
const root = path.resolve(here, '..', '..', '..');
const ext = path.resolve(here, '..');
const grammarFile = path.join(ext, 'syntaxes', 'lab.tmLanguage.json');

function load() {
  let vsctm;
  let onig;
  try {
    vsctm = require('vscode-textmate');
    onig = require('vscode-oniguruma');
  } catch (e) {
    console.error(`${e.message}\nInstall the test dependencies first: npm ci --prefix editors/vscode/test --prefer-offline`);
    process.exit(1);
  }
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm')).buffer;
  const onigLib = onig.loadWASM(wasm).then(() => ({
    createOnigScanner: (p) => new onig.OnigScanner(p),
    createOnigString: (s) => new onig.OnigString(s),
  }));
  const registry = new vsctm.Registry({
    onigLib,
    loadGrammar: async (scopeName) =>
      scopeName === 'source.lab' ? vsctm.parseRawGrammar(fs.readFileSync(grammarFile, 'utf8'), grammarFile) : null,
  });
  return registry.loadGrammar('source.lab').then((g) => ({ grammar: g, INITIAL: vsctm.INITIAL }));
}

// Tokens of each line: [{start, end, scopes}], and the state after the last line.
function tokenize(g, text) {
  let state = g.INITIAL;
  const lines = text.split(/\r?\n/);
  const out = lines.map((line) => {
    const r = g.grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ start: t.startIndex, end: Math.min(t.endIndex, line.length), scopes: t.scopes }));
  });
  return { lines, tokens: out, state };
}

const matches = (scope, want) => scope === want || scope.startsWith(want + '.');
const scopesAt = (toks, col) => (toks.find((t) => t.start <= col && col < t.end) || { scopes: [] }).scopes;

function checkAssertions(g, rel, text, fail) {
  const { lines, tokens } = tokenize(g, text);
  if (!/^# SYNTAX TEST "source\.lab"/.test(lines[0])) fail(`${rel}:1: missing '# SYNTAX TEST "source.lab"' header`);
  let target = -1;
  let count = 0;
  lines.forEach((line, i) => {
    const m = /^#(\s*)(<-+|\^+)\s*(.*)$/.exec(line);
    if (!m || i === 0) {
      target = i;
      return;
    }
    if (target < 0) return fail(`${rel}:${i + 1}: assertion before any line`);
    const [want, ...nots] = m[3].split(/\s+-\s+|^-\s+/).map((s) => s.trim().split(/\s+/).filter(Boolean));
    const not = nots.flat();
    if (!want.length && !not.length) return fail(`${rel}:${i + 1}: assertion without a scope`);
    let cols;
    if (m[2].startsWith('<')) cols = [...Array(m[2].length - 1).keys()];
    else cols = [...Array(m[2].length).keys()].map((k) => 1 + m[1].length + k);
    const src = lines[target];
    for (const c of cols) {
      count++;
      if (c >= src.length) {
        fail(`${rel}:${i + 1}: column ${c} is past the end of line ${target + 1}`);
        continue;
      }
      const sc = scopesAt(tokens[target], c);
      const miss = want.filter((w) => !sc.some((s) => matches(s, w)));
      const bad = not.filter((w) => sc.some((s) => matches(s, w)));
      if (miss.length || bad.length) {
        fail(
          `${rel}:${target + 1}:${c + 1} ${JSON.stringify(src.slice(c, c + 12))}: ` +
            (miss.length ? `missing ${miss.join(' ')}; ` : '') +
            (bad.length ? `unwanted ${bad.join(' ')}; ` : '') +
            `has ${sc.join(' ')}`,
        );
      }
    }
  });
  if (!count) fail(`${rel}: no assertion`);
  return count;
}

// The complete examples of the docs: blocks fenced exactly ```lab in docs/language.md and
// README.md, as [name, text] pairs.
function docExamples() {
  const out = [];
  for (const md of ['docs/language.md', 'README.md']) {
    const file = path.join(root, md);
    if (!fs.existsSync(file)) continue;
    let block = null;
    fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (block === null && line === '```lab') block = { start: i + 2, lines: [] };
      else if (block !== null && line === '```') {
        out.push([`${md}#${block.start}`, block.lines.join('\n') + '\n']);
        block = null;
      } else if (block !== null) block.lines.push(line);
    });
  }
  return out;
}

function labFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.lab')) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

function dump(g, file) {
  const { lines, tokens } = tokenize(g, fs.readFileSync(file, 'utf8'));
  lines.forEach((line, i) => {
    for (const t of tokens[i]) {
      if (t.end <= t.start) continue;
      console.log(`${i + 1}:${t.start + 1}\t${JSON.stringify(line.slice(t.start, t.end))}\t${t.scopes.slice(1).join(' ')}`);
    }
  });
}

async function main() {
  const g = await load();
  const args = process.argv.slice(2);
  if (args[0] === '--dump') {
    for (const f of args.slice(1)) dump(g, f);
    return 0;
  }
  let passed = 0;
  let failed = 0;
  const test = async (name, body) => {
    const errors = [];
    try {
      await body((msg) => errors.push(msg));
    } catch (e) {
      errors.push(`threw ${e && e.stack ? e.stack : e}`);
    }
    if (errors.length) {
      failed++;
      console.log(`FAIL ${name}`);
      for (const e of errors.slice(0, 30)) console.log(`  ${e}`);
      if (errors.length > 30) console.log(`  ... and ${errors.length - 30} more`);
    } else {
      passed++;
      console.log(`ok   ${name}`);
    }
  };

  await test('lab.tmLanguage.json is what build-grammar.js builds', (fail) => {
    const { build } = require(path.join(ext, 'syntaxes', 'build-grammar.js'));
    if (build() !== fs.readFileSync(grammarFile, 'utf8')) {
      fail('out of date: run node editors/vscode/syntaxes/build-grammar.js');
    }
  });

  await test('every quoted word of grammar/lab.pest is a word of the grammar', (fail) => {
    const pest = fs.readFileSync(path.join(root, 'grammar', 'lab.pest'), 'utf8');
    const json = fs.readFileSync(grammarFile, 'utf8');
    const words = new Set([...pest.matchAll(/"([a-z][a-z_]*)"/g)].map((m) => m[1]));
    if (words.size < 30) fail(`only ${words.size} words found in lab.pest`);
    for (const w of words) if (!new RegExp(`\\b${w}\\b`).test(json)) fail(`missing word ${w}`);
  });

  await test('the builtins of the grammar are those of labc (src/sema/eval/builtins.rs)', (fail) => {
    const { BUILTINS } = require(path.join(ext, 'syntaxes', 'build-grammar.js'));
    const src = fs.readFileSync(path.join(root, 'src', 'sema', 'eval', 'builtins.rs'), 'utf8');
    const m = /BUILTIN_FUNCTIONS: &\[&str\] = &\[([^\]]*)\]/.exec(src);
    if (!m) return fail('BUILTIN_FUNCTIONS not found in src/sema/eval/builtins.rs');
    const labc = [...m[1].matchAll(/"([a-z_]+)"/g)].map((x) => x[1]).sort();
    const ours = [...BUILTINS].sort();
    if (JSON.stringify(labc) !== JSON.stringify(ours)) fail(`labc has ${labc.join(' ')}; the grammar ${ours.join(' ')}`);
  });

  await test('the runner reports wrong assertions', (fail) => {
    const head = '# SYNTAX TEST "source.lab"\ncluster home {\n';
    const wrong = {
      'a wrong scope': '#       ^^^^ storage.type.declaration.lab',
      'an unwanted scope': '# <------- storage.type.declaration.lab - storage.type',
      'the second unwanted scope': '# <------- storage.type.declaration.lab - string - storage',
      'a column past the end': '#             ^^ punctuation',
      'no scope': '#       ^^^^',
    };
    for (const [what, line] of Object.entries(wrong)) {
      const errors = [];
      checkAssertions(g, what, head + line + '\n', (e) => errors.push(e));
      if (!errors.length) fail(`${what} (${line}) passes`);
    }
    const errors = [];
    checkAssertions(g, 'right', head + '#       ^^^^ entity.name.function.lab - storage\n', (e) => errors.push(e));
    if (errors.length) fail(`a right assertion fails: ${errors[0]}`);
    const none = [];
    checkAssertions(g, 'none', head, (e) => none.push(e));
    if (!none.length) fail('a file without assertions passes');
  });

  for (const f of labFiles(path.join(here, 'cases'))) {
    await test(`assertions ${path.relative(root, f)}`, (fail) => {
      checkAssertions(g, path.relative(root, f), fs.readFileSync(f, 'utf8'), fail);
    });
  }

  const checks = require('./extension-check.js');
  await test('package.json contributes the language, grammar and settings', checks.manifest);
  await test('language-configuration.json: words, indentation, pairs', checks.languageConfiguration);
  await test('extension.js starts `<path> lsp` only when enabled, and follows the settings', checks.extension);

  const corpus = ['lab', 'stdlib', 'tests']
    .flatMap((d) => labFiles(path.join(root, d)))
    .map((f) => [path.relative(root, f), fs.readFileSync(f, 'utf8')]);
  const examples = docExamples();
  let skipped = 0;
  await test(`no invalid scope in the .lab files of lab/, stdlib/, tests/ and the docs' examples`, (fail) => {
    if (corpus.length < 20) fail(`only ${corpus.length} files found under ${root}`);
    if (examples.length < 5) fail(`only ${examples.length} doc examples found`);
    for (const [rel, text] of corpus.concat(examples)) {
      const first = text.split('\n', 1)[0];
      if (/^#\s*expect:.*\bE010[12]\b/.test(first)) {
        skipped++;
        continue;
      }
      const { lines, tokens, state } = tokenize(g, text);
      tokens.forEach((toks, i) => {
        for (const t of toks) {
          if (t.end > t.start && t.scopes.some((s) => /(^|\.)invalid(\.|$)/.test(s))) {
            fail(`${rel}:${i + 1}:${t.start + 1} ${JSON.stringify(lines[i].slice(t.start, t.end))}: ${t.scopes.join(' ')}`);
          }
        }
      });
      if (state.depth !== 1) fail(`${rel}: ends inside a region (stack depth ${state.depth})`);
    }
  });
  console.log(`(${corpus.length - skipped} corpus files and ${examples.length} doc examples checked, ${skipped} files with syntax errors skipped)`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
