/**
 * The README's tables of stack outputs, rendered from the interfaces the programs are checked against at compile time
 * (TierStackOutputs in infra/outputs.ts, PreviewStackOutputs in previews/outputs.ts), so a renamed, added or
 * re-documented output changes the table and a stale README fails its test. Read with TypeScript's parser: the
 * interfaces are types, with nothing to import at run time.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const ROOT = join(__dirname, "..", "..");

export interface OutputRow {
  name: string;
  /** The declared type, object types shown by their field names (nested objects expanded). */
  shape: string;
  doc: string;
}

function shapeOf(node: ts.TypeNode, file: ts.SourceFile): string {
  if (ts.isTypeLiteralNode(node)) {
    const fields = node.members.map((m) => {
      const name = m.name?.getText(file) ?? "?";
      const type = ts.isPropertySignature(m) ? m.type : undefined;
      return type && ts.isTypeLiteralNode(type) ? `${name}: ${shapeOf(type, file)}` : name;
    });
    return `{ ${fields.join(", ")} }`;
  }
  if (ts.isUnionTypeNode(node)) return node.types.map((t) => shapeOf(t, file)).join(" | ");
  return node.getText(file).replace(/\s+/g, " ");
}

/** Every member of `interfaceName` in `path` (relative to the repository root), in declaration order. */
export function readOutputs(path: string, interfaceName: string): OutputRow[] {
  const text = readFileSync(join(ROOT, path), "utf8");
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  const decl = file.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === interfaceName,
  );
  if (!decl) throw new Error(`${path}: no interface ${interfaceName}`);
  return decl.members.map((m) => {
    if (!ts.isPropertySignature(m) || !m.type)
      throw new Error(`${path}: ${interfaceName} has a member that is not a property`);
    const name = m.name.getText(file);
    const doc = ts
      .getJSDocCommentsAndTags(m)
      .map((d) => (ts.isJSDoc(d) ? (ts.getTextOfJSDocComment(d.comment) ?? "") : ""))
      .join(" ")
      .replace(/\s+/g, " ")
      .trim();
    // The table is the README's only account of what an output means: every one says it.
    if (doc === "") throw new Error(`${path}: ${interfaceName}.${name} has no doc comment; say what the output is`);
    return { name, shape: shapeOf(m.type, file), doc };
  });
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

export function renderOutputsTable(path: string, interfaceName: string): string {
  const lines = [
    `Generated from \`${interfaceName}\` (\`${relative(ROOT, join(ROOT, path))}\`) by \`npm run gen:readme\`.`,
    "",
    "| Output | Shape | What it is |",
    "|---|---|---|",
  ];
  for (const row of readOutputs(path, interfaceName)) {
    lines.push(`| \`${row.name}\` | \`${cell(row.shape)}\` | ${cell(row.doc)} |`);
  }
  return lines.join("\n");
}

export const renderTierOutputs = () => renderOutputsTable("infra/outputs.ts", "TierStackOutputs");
export const renderPreviewOutputs = () => renderOutputsTable("previews/outputs.ts", "PreviewStackOutputs");
