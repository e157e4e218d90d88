// Copies the repository's TextMate grammar (grammar/seg.tmLanguage.json, the single
// source) into the extension before packaging.
"use strict";

const fs = require("fs");
const path = require("path");

const source = path.resolve(__dirname, "../../../../grammar/seg.tmLanguage.json");
const target = path.resolve(__dirname, "../syntaxes/seg.tmLanguage.json");
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.copyFileSync(source, target);
console.log(`copied ${path.relative(process.cwd(), source)} -> ${path.relative(process.cwd(), target)}`);
