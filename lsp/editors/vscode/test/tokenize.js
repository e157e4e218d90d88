// Tokenizes every .seg file of the repository with the TextMate grammar
// (grammar/seg.tmLanguage.json) using vscode-textmate + vscode-oniguruma, the
// engine VS Code itself uses, and fails when any non-whitespace text gets no scope
// other than the root `source.seg`, or when a file produces no tokens at all.
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const repo = path.resolve(__dirname, "../../../..");
const grammarPath = path.join(repo, "grammar", "seg.tmLanguage.json");
const SKIP = new Set(["node_modules", "target", ".git"]);

function segFiles(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) segFiles(full, out);
    else if (entry.name.endsWith(".seg")) out.push(full);
  }
  return out;
}

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== "source.seg") return null;
      const text = fs.readFileSync(grammarPath, "utf8");
      return vsctm.parseRawGrammar(text, grammarPath);
    },
  });
  return registry.loadGrammar("source.seg");
}

/// Problems of one file: unscoped non-whitespace text, with line and column.
function check(grammar, file) {
  const problems = [];
  const lines = fs.readFileSync(file, "utf8").split(/\r?\n/);
  let stack = vsctm.INITIAL;
  lines.forEach((line, i) => {
    const result = grammar.tokenizeLine(line, stack);
    for (const token of result.tokens) {
      const text = line.slice(token.startIndex, token.endIndex);
      if (token.scopes.length === 1 && text.trim() !== "") {
        problems.push(`${path.relative(repo, file)}:${i + 1}:${token.startIndex + 1}: unscoped ${JSON.stringify(text)}`);
      }
    }
    stack = result.ruleStack;
  });
  return problems;
}

/// A few expectations on a known line, so the test also catches wrong scopes.
function spotChecks(grammar) {
  const line = 'segment vip for email_marketing holdout 10% = count(purchased[revenue > 1.5], 30d) >= 2 // x';
  const { tokens } = grammar.tokenizeLine(line, vsctm.INITIAL);
  const scopeOf = (text) => {
    const start = line.indexOf(text);
    const t = tokens.find((t) => t.startIndex <= start && start < t.endIndex);
    return t ? t.scopes[t.scopes.length - 1] : "(none)";
  };
  const expected = {
    segment: "keyword.declaration.segment.seg",
    vip: "entity.name.class.segment.seg",
    holdout: "keyword.other.seg",
    "10%": "constant.numeric.percentage.seg",
    count: "support.function.builtin.seg",
    "1.5": "constant.numeric.float.seg",
    "30d": "constant.numeric.duration.seg",
    ">=": "keyword.operator.comparison.seg",
    "// x": "comment.line.double-slash.seg",
  };
  const problems = [];
  for (const [text, scope] of Object.entries(expected)) {
    const got = scopeOf(text);
    if (got !== scope) problems.push(`spot check: ${JSON.stringify(text)} is ${got}, expected ${scope}`);
  }
  return problems;
}

async function main() {
  const grammar = await loadGrammar();
  const files = segFiles(repo, []).sort();
  if (files.length === 0) throw new Error(`no .seg files under ${repo}`);
  const problems = spotChecks(grammar);
  for (const file of files) problems.push(...check(grammar, file));
  if (problems.length > 0) {
    console.error(problems.join("\n"));
    console.error(`\n${problems.length} problem(s) in ${files.length} file(s)`);
    process.exit(1);
  }
  console.log(`ok: ${files.length} .seg files fully scoped by ${path.relative(repo, grammarPath)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
