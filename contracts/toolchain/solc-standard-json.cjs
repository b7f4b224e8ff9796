#!/usr/bin/env node
// A `solc`-compatible command line over the pinned solcjs (WebAssembly) for py-solc-x:
// answers `--version` and compiles `--standard-json` from stdin to stdout. solcjs has no
// filesystem access, so imports are resolved here against node_modules and the contracts folder.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const ROOTS = [
  path.resolve(__dirname, "..", "..", "node_modules"),
  path.resolve(__dirname, ".."),
];

function findImports(importPath) {
  for (const root of ROOTS) {
    const candidate = path.resolve(root, importPath);
    if (candidate.startsWith(root + path.sep) && fs.existsSync(candidate)) {
      return { contents: fs.readFileSync(candidate, "utf8") };
    }
  }
  return { error: `File not found: ${importPath}` };
}

const args = process.argv.slice(2);
if (args.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
} else if (args.includes("--standard-json")) {
  const input = fs.readFileSync(0, "utf8");
  process.stdout.write(solc.compile(input, { import: findImports }));
} else {
  process.stderr.write("usage: solc-standard-json.cjs --version | --standard-json < input.json\n");
  process.exit(2);
}
