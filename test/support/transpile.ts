import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = process.cwd();

/**
 * Transpiles a TypeScript entry and every file it imports by relative path (TypeScript's transpileModule, as
 * ts-jest does, no type check) into a folder outside the project, as ES modules that `node` runs directly:
 * for tests that need a separate process (one they can kill) running this project's code, without a build.
 * Returns the entry's .js path and a clean-up function.
 */
export function transpileForNode(entry: string): { main: string; dir: string; cleanup: () => void } {
  const dir = join(tmpdir(), `ntm-transpiled-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    target: ts.ScriptTarget.ES2023,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    allowSyntheticDefaultImports: true,
    sourceMap: false,
    jsx: ts.JsxEmit.ReactJSX,
    jsxImportSource: 'preact',
  };
  const seen = new Set<string>();
  const queue = [resolve(ROOT, entry)];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: options, fileName: file });
    const out = join(dir, relative(ROOT, file)).replace(/\.tsx?$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
    // Follow what the emitted JavaScript still imports (type-only imports are gone from it).
    for (const m of outputText.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), m[1]).replace(/\.js$/, '.ts');
      if (existsSync(target)) queue.push(target);
      else if (existsSync(`${target}x`)) queue.push(`${target}x`);
      else if (existsSync(join(target.replace(/\.ts$/, ''), 'index.ts'))) queue.push(join(target.replace(/\.ts$/, ''), 'index.ts'));
    }
  }
  return {
    main: join(dir, entry).replace(/\.ts$/, '.js'),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
