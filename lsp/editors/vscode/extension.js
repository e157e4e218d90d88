// Seg for VS Code: starts `seg lsp` (the path is the `seg.server.path` setting) and
// connects it to every `.seg` document through vscode-languageclient.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

async function activate(context) {
  const config = vscode.workspace.getConfiguration("seg");
  const command = config.get("server.path", "seg");
  const serverOptions = {
    run: { command, args: ["lsp"] },
    debug: { command, args: ["lsp"] },
  };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "seg" }],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.seg"),
    },
  };
  client = new LanguageClient("seg", "Seg language server", serverOptions, clientOptions);
  context.subscriptions.push(client);
  try {
    await client.start();
  } catch (err) {
    vscode.window.showErrorMessage(
      `Could not start the Seg language server (\`${command} lsp\`): ${err.message}. ` +
        "Install `seg` or set `seg.server.path`."
    );
  }
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
