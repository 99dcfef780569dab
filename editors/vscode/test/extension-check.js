// Checks of the extension's manifest, language configuration and extension.js, without
// VS Code: `vscode` and `vscode-languageclient/node` are replaced by recording fakes.
// Used by run.js.
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');

const ext = path.resolve(__dirname, '..');

function manifest(fail) {
  const pkg = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));
  const lang = (pkg.contributes.languages || []).find((l) => l.id === 'lab');
  if (!lang) return fail('no language `lab` contributed');
  if (!(lang.extensions || []).includes('.lab')) fail('language `lab` is not for *.lab');
  if (!(lang.aliases || []).length) fail('language `lab` has no aliases');
  const grammar = (pkg.contributes.grammars || []).find((g) => g.language === 'lab');
  if (!grammar) return fail('no grammar for `lab`');
  if (grammar.scopeName !== 'source.lab') fail(`grammar scopeName ${grammar.scopeName}`);
  const g = JSON.parse(fs.readFileSync(path.join(ext, grammar.path), 'utf8'));
  if (g.scopeName !== grammar.scopeName) fail(`grammar file says scopeName ${g.scopeName}`);
  JSON.parse(fs.readFileSync(path.join(ext, lang.configuration), 'utf8'));
  const props = pkg.contributes.configuration.properties;
  const en = props['labc.languageServer.enable'];
  const p = props['labc.languageServer.path'];
  if (!en || en.type !== 'boolean' || en.default !== false) fail('labc.languageServer.enable: boolean, default false');
  if (!p || p.type !== 'string' || p.default !== 'labc') fail('labc.languageServer.path: string, default "labc"');
  if (!/labc lsp/.test(en.markdownDescription || en.description || '')) fail('the enable setting does not name `labc lsp`');
  if (pkg.main !== './extension.js' || !fs.existsSync(path.join(ext, pkg.main))) fail(`main ${pkg.main}`);
  if (JSON.stringify(pkg.activationEvents) !== '["onLanguage:lab"]') fail(`activationEvents ${pkg.activationEvents}`);
  if (!pkg.engines || !pkg.engines.vscode) fail('no engines.vscode');
  if (!(pkg.dependencies || {})['vscode-languageclient']) fail('no dependency on vscode-languageclient');
  for (const c of pkg.contributes.commands || []) {
    if (!fs.readFileSync(path.join(ext, 'extension.js'), 'utf8').includes(`'${c.command}'`)) fail(`command ${c.command} is not registered`);
  }
}

// VS Code compiles these patterns as JavaScript regular expressions.
function languageConfiguration(fail) {
  const c = JSON.parse(fs.readFileSync(path.join(ext, 'language-configuration.json'), 'utf8'));
  if (c.comments.lineComment !== '#') fail('line comment is not #');
  const words = (s) => s.match(new RegExp(c.wordPattern, 'g')) || [];
  const cases = [
    ['install shared-postgres on infra', ['install', 'shared-postgres', 'on', 'infra']],
    ['a - b', ['a', 'b']],
    ['x = cluster.id', ['x', 'cluster', 'id']],
    ['size = 1.5Gi + 10.42.0.0/16 + 90%', ['size', '1.5Gi', '10.42.0.0/16', '90%']],
    ['t = 1h30m', ['t', '1h30m']],
  ];
  for (const [text, want] of cases) {
    const got = words(text);
    if (JSON.stringify(got) !== JSON.stringify(want)) fail(`wordPattern on ${JSON.stringify(text)}: ${JSON.stringify(got)}`);
  }
  const inc = new RegExp(c.indentationRules.increaseIndentPattern);
  const dec = new RegExp(c.indentationRules.decreaseIndentPattern);
  for (const l of ['cluster home {', '  clients = [', '  chart = oci(', '  values { # the chart values', 'x = [ // c', 'url = "http://x/#{" + f(']) {
    if (!inc.test(l)) fail(`no indent after ${JSON.stringify(l)}`);
  }
  for (const l of ['  x = 1', '  y = { a = 1 }', '# {', '  x = 1 # {', 'y = 2 // (', 'z = f(a)', 'u = "{"']) if (inc.test(l)) fail(`indent after ${JSON.stringify(l)}`);
  for (const l of ['}', '  ]', '  ) {', '  }]']) if (!dec.test(l)) fail(`no outdent on ${JSON.stringify(l)}`);
  for (const l of ['  x = 1', '  y = {}']) if (dec.test(l)) fail(`outdent on ${JSON.stringify(l)}`);
  const pairs = c.autoClosingPairs.map((p) => p.open + p.close);
  for (const p of ['{}', '[]', '()', '""', '${}']) if (!pairs.includes(p)) fail(`no auto-closing pair ${p}`);
  const q = c.autoClosingPairs.find((p) => p.open === '"');
  if (!q.notIn.includes('string') || !q.notIn.includes('comment')) fail('" closes inside strings or comments');
  for (const r of c.onEnterRules || []) {
    new RegExp(r.beforeText);
    if (r.afterText) new RegExp(r.afterText);
  }
}

// Runs extension.js against fakes; returns the log of what it asked for.
async function extension(fail) {
  const log = [];
  const config = { enable: false, path: 'labc' };
  let onConfig = null;
  const commands = {};
  const vscode = {
    workspace: {
      getConfiguration: (section) => {
        if (section !== 'labc.languageServer') fail(`getConfiguration(${section})`);
        return { get: (k, d) => (k in config ? config[k] : d) };
      },
      onDidChangeConfiguration: (f) => {
        onConfig = f;
        return { dispose() {} };
      },
    },
    commands: {
      registerCommand: (name, f) => {
        commands[name] = f;
        return { dispose() {} };
      },
    },
    window: { showErrorMessage: (m) => log.push(`error ${m}`) },
  };
  class LanguageClient {
    constructor(id, name, server, client) {
      this.id = id;
      // `transport` left out: the client would add `--stdio` to the arguments (server.js).
      if ('transport' in server) fail(`a transport is set: ${JSON.stringify(server.transport)}`);
      log.push(`new ${JSON.stringify({ command: server.command, args: server.args, selector: client.documentSelector.map((d) => d.language) })}`);
    }
    start() {
      log.push('start');
      return Promise.resolve();
    }
    stop() {
      log.push('stop');
      return Promise.resolve();
    }
  }
  const fakes = { vscode, 'vscode-languageclient/node': { LanguageClient, TransportKind: { stdio: 0 } } };
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request in fakes) return fakes[request];
    return load.call(this, request, ...rest);
  };
  const file = path.join(ext, 'extension.js');
  delete require.cache[file];
  let m;
  try {
    m = require(file);
  } finally {
    Module._load = load;
  }
  // Only the fakes are required lazily; put the hook back while the extension runs.
  Module._load = function (request, ...rest) {
    if (request in fakes) return fakes[request];
    return load.call(this, request, ...rest);
  };
  const change = (affects) => onConfig({ affectsConfiguration: (s) => affects && s === 'labc.languageServer' });
  const expect = (what, want) => {
    const got = log.splice(0);
    if (JSON.stringify(got) !== JSON.stringify(want)) fail(`${what}: ${JSON.stringify(got)}, not ${JSON.stringify(want)}`);
  };
  try {
    const ctx = { subscriptions: [] };
    await m.activate(ctx);
    expect('setting off: highlighting only', []);
    if (!onConfig) fail('no listener on configuration changes');
    if (!commands['labc.languageServer.restart']) fail('no restart command');
    config.enable = true;
    config.path = '/opt/labc/bin/labc';
    await change(false);
    expect('a change of another setting', []);
    await change(true);
    const started = [`new {"command":"/opt/labc/bin/labc","args":["lsp"],"selector":["lab","lab"]}`, 'start'];
    expect('setting turned on', started);
    await commands['labc.languageServer.restart']();
    expect('restart', ['stop', ...started]);
    config.enable = false;
    await change(true);
    expect('setting turned off', ['stop']);
    config.enable = true;
    config.path = 'labc';
    await change(true);
    expect('on again', [`new {"command":"labc","args":["lsp"],"selector":["lab","lab"]}`, 'start']);
    await m.deactivate();
    expect('deactivate', ['stop']);
    // On at activation.
    const ctx2 = { subscriptions: [] };
    await m.activate(ctx2);
    expect('on at activation', [`new {"command":"labc","args":["lsp"],"selector":["lab","lab"]}`, 'start']);
    await m.deactivate();
    log.splice(0);
  } finally {
    Module._load = load;
  }
}

module.exports = { manifest, languageConfiguration, extension };
