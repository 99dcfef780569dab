// The extension's language-server setting against the real vscode-languageclient 9 (the
// extension's dependency, pinned here in package-lock.json) and the real `labc lsp`:
// extension.js is activated with `labc.languageServer.enable` on and `path` = $LABC (else
// target/release/labc), the client it makes spawns the server with the client's own code
// (`createMessageTransports`), and an initialize, a hover and shutdown/exit go over that
// connection. VS Code itself is a stand-in: the members extension.js uses are written out,
// everything else the client touches is a do-nothing Proxy, since only the spawning and
// the connection are under test. `node editors/vscode/test/server.js`; editors/test.sh runs
// it. Exit 0 when the server answered and exited cleanly.
'use strict';
const path = require('path');
const Module = require('module');
const { pathToFileURL } = require('url');

const root = path.resolve(__dirname, '..', '..', '..');
const labc = path.resolve(process.env.LABC || path.join(root, 'target', 'release', 'labc'));
const fixture = path.join(root, 'tests', 'lsp', 'lab');
// A bound against a hang, not a speed check.
const HANG_MS = 60000;

function fail(message) {
  console.error(`vscode: FAIL: ${message}`);
  process.exit(1);
}

// A value that is every function and every object: whatever the client calls on it.
function nothing() {
  const handler = {
    get: (_, key) => (key === 'then' ? undefined : nothing()),
    apply: () => nothing(),
    construct: () => nothing(),
  };
  return new Proxy(function () {}, handler);
}

function fakeVscode(errors) {
  const settings = { enable: true, path: labc };
  const known = {
    // The client checks the host's version against its `engines.vscode`.
    version: '1.82.0',
    workspace: new Proxy(
      {
        getConfiguration: () => ({ get: (k, d) => (k in settings ? settings[k] : d) }),
        onDidChangeConfiguration: () => ({ dispose() {} }),
      },
      { get: (t, k) => (k in t ? t[k] : nothing()) },
    ),
    commands: { registerCommand: () => ({ dispose() {} }) },
    window: new Proxy(
      { showErrorMessage: (m) => errors.push(m) },
      { get: (t, k) => (k in t ? t[k] : nothing()) },
    ),
  };
  return new Proxy(known, { get: (t, k) => (k in t ? t[k] : nothing()) });
}

async function main() {
  const errors = [];
  const vscode = fakeVscode(errors);
  const load = Module._load;
  Module._load = function (request, ...rest) {
    return request === 'vscode' ? vscode : load.call(this, request, ...rest);
  };
  const lc = require('vscode-languageclient/node');
  // The client extension.js makes, kept instead of started: `start` would register every
  // feature with VS Code; the transport is what starts the server.
  const made = [];
  class LanguageClient extends lc.LanguageClient {
    start() {
      made.push(this);
      return Promise.resolve();
    }
  }
  const client = Object.assign({}, lc, { LanguageClient });
  Module._load = function (request, ...rest) {
    if (request === 'vscode') return vscode;
    if (request === 'vscode-languageclient/node') return client;
    return load.call(this, request, ...rest);
  };
  const ext = require(path.join(root, 'editors', 'vscode', 'extension.js'));
  await ext.activate({ subscriptions: [] });
  if (errors.length) fail(`the extension reported: ${errors.join('; ')}`);
  if (made.length !== 1) fail(`the extension made ${made.length} clients, not 1`);

  const { reader, writer } = await made[0].createMessageTransports('utf-8');
  const server = made[0]._serverProcess;
  if (!server) fail('the client started no process');
  const argv = JSON.stringify(server.spawnargs);
  if (argv !== JSON.stringify([labc, 'lsp'])) fail(`the client ran ${argv}, not \`${labc} lsp\``);
  const exited = new Promise((resolve) => server.on('exit', (code) => resolve(code)));
  const connection = lc.createMessageConnection(reader, writer);
  connection.listen();
  const init = await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(fixture).href,
    capabilities: {},
  });
  if (!init || !init.serverInfo || init.serverInfo.name !== 'labc') fail(`initialize: ${JSON.stringify(init)}`);
  if (!init.capabilities.hoverProvider) fail('no hoverProvider');
  connection.sendNotification('initialized', {});
  const web = path.join(fixture, 'apps', 'web.lab');
  const uri = pathToFileURL(web).href;
  const text = require('fs').readFileSync(web, 'utf8');
  connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'lab', version: 1, text },
  });
  // `web` of `instance shop = web on home { ... }` (line 7 from 0).
  const hover = await connection.sendRequest('textDocument/hover', {
    textDocument: { uri },
    position: { line: 7, character: 17 },
  });
  const shown = hover && hover.contents && hover.contents.value;
  if (!shown || !shown.includes('template web')) fail(`hover: ${JSON.stringify(hover)}`);
  await connection.sendRequest('shutdown');
  connection.sendNotification('exit');
  const code = await exited;
  if (code !== 0) fail(`the server exited with ${code}`);
  connection.dispose();
  console.log(`ok: the extension's client started \`${path.basename(labc)} lsp\`, which answered initialize and hover and exited 0`);
}

setTimeout(() => fail(`no answer in ${HANG_MS / 1000} s`), HANG_MS).unref();
main().then(
  () => process.exit(0),
  (e) => fail(e && e.stack ? e.stack : String(e)),
);
