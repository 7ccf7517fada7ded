// Where the source names a provider, for test/provider-boundary.test.ts. Read with the TypeScript parser, not a
// regular expression, so comments and prose in strings ("no GitHub credentials") never count, and what does count is
// code: a string literal that is a provider's name ('gitlab'), an import of a provider's folder or client module
// (providers/gitlab/…, integrations/gitlab…), or an identifier that contains one (gitlabHost, GithubTarget,
// clients.slack, SLACK_NOTIFY_CHANNEL).
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { PROVIDER_NAMES, type ProviderName } from '../../src/contracts/webhook-commands.js';

export { PROVIDER_NAMES, type ProviderName };

export interface Mention {
  /** Path from the project root, with forward slashes. */
  file: string;
  line: number;
  provider: ProviderName;
  /** The code that names it: "'gitlab'", "import ../providers/gitlab/target.js", "identifier gitlabHost". */
  what: string;
}

const CLIENT_PATH = new RegExp(`(?:^|/)(?:providers|integrations)/(${PROVIDER_NAMES.join('|')})(?:[/.-]|$)`);

/** The source files the boundary covers: every .ts/.tsx under src/ and web/src/, tests left out. */
export function sourceFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(rel);
    }
  };
  walk('src');
  walk('web/src');
  return found.sort();
}

/** Every place `file`'s code names a provider. */
export function mentionsIn(file: string, text: string): Mention[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: Mention[] = [];
  const add = (node: ts.Node, provider: ProviderName, what: string) =>
    found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, provider, what });
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node)) {
      const isPath = ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent) || ts.isExternalModuleReference(node.parent) ||
        (ts.isCallExpression(node.parent) && node.parent.expression.kind === ts.SyntaxKind.ImportKeyword) || ts.isLiteralTypeNode(node.parent) && ts.isImportTypeNode(node.parent.parent);
      const client = isPath ? CLIENT_PATH.exec(node.text) : null;
      if (client) add(node, client[1] as ProviderName, `import ${node.text}`);
      else if ((PROVIDER_NAMES as readonly string[]).includes(node.text)) add(node, node.text as ProviderName, `'${node.text}'`);
    } else if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) {
      const lower = node.text.toLowerCase();
      for (const provider of PROVIDER_NAMES) if (lower.includes(provider)) add(node, provider, `identifier ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Where a file may name providers: a path prefix (`<name>` stands for each provider in turn) and why. */
export interface Allowance {
  /** 'src/webhooks/providers/index.ts', or a prefix such as 'src/integrations/<name>' (that provider's only). */
  path: string;
  /** The providers it may name; absent: every one (or, with `<name>` in the path, that one). */
  names?: ProviderName[];
  why: string;
}

/** Whether an allowance covers a mention. */
export function allows(a: Allowance, m: Mention): boolean {
  if (a.path.includes('<name>')) return m.file.startsWith(a.path.replaceAll('<name>', m.provider));
  return (a.path.endsWith('/') ? m.file.startsWith(a.path) : m.file === a.path) && (!a.names || a.names.includes(m.provider));
}
