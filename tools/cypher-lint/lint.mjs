// Lint Cypher files with Neo4j's own parser and semantic analysis
// (@neo4j-cypher/language-support, lintCypherQuery).
//
// Usage: node lint.mjs SCHEMA.json DIR_OR_FILE...   (SCHEMA.json may be "-" for stdin)
// SCHEMA.json: {"labels": [...], "relationshipTypes": [...], "propertyKeys": [...]}, as
// printed by `python -m redwuye_graph.queries lint-schema`. Parameters are those each
// file declares in its header (`// param: NAME: ...`). Every diagnostic, error or warning
// (unknown label, type or property, undefined parameter, deprecation), is printed as
// PATH:LINE:COLUMN: severity: message, and any diagnostic makes the exit code 1.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lintCypherQuery } from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

function cypherFiles(path) {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = join(path, entry.name);
      if (entry.isDirectory()) return cypherFiles(full);
      return entry.name.endsWith('.cypher') ? [full] : [];
    });
}

function declaredParameters(text) {
  const params = {};
  for (const match of text.matchAll(/^\/\/ param: ([A-Za-z_][A-Za-z0-9_]*):/gm)) {
    params[match[1]] = null;
  }
  return params;
}

const [schemaPath, ...targets] = process.argv.slice(2);
if (!schemaPath || targets.length === 0) {
  console.error('usage: node lint.mjs SCHEMA.json|- DIR_OR_FILE...');
  process.exit(2);
}
const schema = JSON.parse(readFileSync(schemaPath === '-' ? 0 : schemaPath, 'utf8'));
const files = targets.flatMap(cypherFiles);
let problems = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const { diagnostics } = lintCypherQuery(text, { ...schema, parameters: declaredParameters(text) });
  for (const d of diagnostics) {
    problems += 1;
    const { line, character } = d.range.start;
    console.log(`${file}:${line + 1}:${character + 1}: ${SEVERITY[d.severity]}: ${d.message}`);
  }
}
console.error(`linted ${files.length} file(s): ${problems} problem(s)`);
process.exit(problems ? 1 : 0);
