// The VS Code extension of labc: highlighting comes from the grammar alone (package.json);
// this file starts the language server, `labc lsp` over stdio, only when the setting
// `labc.languageServer.enable` is on, and restarts or stops it when the settings change.
// Plain JavaScript, no build step.
'use strict';
const vscode = require('vscode');

const SECTION = 'labc.languageServer';
let client = null;
let starting = Promise.resolve();

function settings() {
  const c = vscode.workspace.getConfiguration(SECTION);
  return { enable: c.get('enable', false) === true, path: c.get('path', 'labc') || 'labc' };
}

async function stop() {
  const c = client;
  client = null;
  if (c) {
    try {
      await c.stop();
    } catch (_) {
      // Already stopped, or it never started.
    }
  }
}

async function start() {
  const { enable, path } = settings();
  if (!enable || client) return;
  let lc;
  try {
    // Loaded only when the server is wanted: highlighting needs no dependency.
    lc = require('vscode-languageclient/node');
  } catch (e) {
    vscode.window.showErrorMessage(
      `labc: vscode-languageclient is missing (run \`npm install --omit=dev\` in the extension's folder): ${e.message}`,
    );
    return;
  }
  // No `transport`: given `TransportKind.stdio`, vscode-languageclient appends `--stdio` to
  // the arguments, which `labc lsp` rejects. Without one it runs `<path> lsp` as given and
  // talks to it over its stdin and stdout (test/server.js checks it with the real client).
  const serverOptions = { command: path, args: ['lsp'] };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'lab' },
      { scheme: 'untitled', language: 'lab' },
    ],
    outputChannelName: 'labc language server',
  };
  client = new lc.LanguageClient('labc', 'labc language server', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (e) {
    vscode.window.showErrorMessage(`labc: could not start \`${path} lsp\`: ${e && e.message ? e.message : e}`);
    await stop();
  }
}

// One start or stop at a time, in the order asked.
function queue(f) {
  starting = starting.then(f, f);
  return starting;
}

function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) return queue(() => stop().then(start));
      return undefined;
    }),
    vscode.commands.registerCommand('labc.languageServer.restart', () => queue(() => stop().then(start))),
  );
  return queue(start);
}

function deactivate() {
  return queue(stop);
}

module.exports = { activate, deactivate };
