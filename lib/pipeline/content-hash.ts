import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * A short, stable version string derived from content. AML asset versions are immutable, so a
 * version named after its content is created exactly when the content changes.
 */
export function contentVersion(...parts: unknown[]): string {
  return createHash("sha256").update(canonicalJson(parts)).digest("hex").slice(0, 16);
}

export function md5Hex(content: string): string {
  return createHash("md5").update(content, "utf8").digest("hex");
}

/** A text file shipped to Azure, read at synth time. `name` is relative to its folder, with '/' separators. */
export interface SourceFile {
  readonly name: string;
  readonly content: string;
}

/**
 * Read `files` (relative names) below `directory`. Content only, never the absolute path, reaches the
 * synthesized output; line endings are normalised so a checkout on Windows hashes the same.
 */
export function readSourceFiles(directory: string, files: readonly string[]): SourceFile[] {
  return [...files]
    .sort()
    .map((name) => ({ name, content: fs.readFileSync(path.join(directory, name), "utf8").replace(/\r\n/g, "\n") }));
}
