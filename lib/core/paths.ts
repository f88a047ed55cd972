import * as fs from "fs";
import * as path from "path";

/**
 * The nearest folder at or above `from` that contains `relative` (e.g. `pipeline/prepare.py`), so a
 * file shipped with the package is found both from the TypeScript sources (lib/...) and from the
 * compiled JavaScript (dist/lib/...). Undefined when no folder up to the root has it.
 */
export function findUp(from: string, relative: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, relative))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}
