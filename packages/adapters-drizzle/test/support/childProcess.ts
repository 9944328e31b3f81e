/**
 * Child Node processes for the cross-process cases. Node 20 cannot run TypeScript, so the module
 * under test is transpiled (TypeScript's own `transpileModule`) into a scratch directory inside
 * this package, where bare imports (`@electric-sql/pglite`, `postgres`) still resolve.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

export const packageDir: string = fileURLToPath(new URL("../..", import.meta.url))

/** A fresh scratch directory under `<package>/.test-tmp/` (git-ignored); removed by the caller. */
export const scratchDir = (): string => {
  const base = path.join(packageDir, ".test-tmp")
  fs.mkdirSync(base, { recursive: true })
  return fs.mkdtempSync(path.join(base, "run-"))
}

/** Transpiles a dependency-free TypeScript module of `src/` to `<dir>/<name>.mjs`. */
export const transpile = (dir: string, srcFile: string): string => {
  const source = fs.readFileSync(path.join(packageDir, "src", srcFile), "utf8")
  const out = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false }
  }).outputText
  const file = path.join(dir, srcFile.replace(/\.ts$/, ".mjs"))
  fs.writeFileSync(file, out)
  return file
}

/** Runs `node <script> ...args`; resolves with its exit code and output (never rejects on a non-zero exit). */
export const runNode = (script: string, args: ReadonlyArray<string>): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: packageDir, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1
      resolve({ code, stdout, stderr })
    })
  })
