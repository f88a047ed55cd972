/**
 * A small evaluator for the subset of the Data Factory expression language our pipelines use, so
 * tests can run the generated expressions on real parameter values instead of reading their text.
 * Semantics follow ADF's documentation: string literals in single quotes with '' for a quote and
 * no other escapes; functions by name; `.prop` accessors on objects.
 */
export interface AdfContext {
  readonly parameters?: Record<string, unknown>;
  readonly runId?: string;
  readonly variables?: Record<string, unknown>;
  readonly activityOutputs?: Record<string, unknown>;
  /** Errors of failed activities: `activity('x').error` is `{ message, errorCode }`. */
  readonly activityErrors?: Record<string, { message: string; errorCode?: string }>;
  readonly triggerBody?: Record<string, unknown>;
}

type Value = unknown;

function fail(msg: string): never {
  throw new Error(`ADF expression: ${msg}`);
}

const FUNCTIONS: Record<string, (args: Value[], ctx: AdfContext) => Value> = {
  concat: (a) => a.map((x) => (typeof x === "string" ? x : fail(`concat takes strings, got ${JSON.stringify(x)}`))).join(""),
  replace: ([s, old, rep]) => String(s).split(String(old)).join(String(rep)),
  or: (a) => (a.length === 2 ? a[0] === true || a[1] === true : fail(`or takes 2 arguments, got ${a.length}`)),
  and: (a) => (a.length === 2 ? a[0] === true && a[1] === true : fail(`and takes 2 arguments, got ${a.length}`)),
  not: ([x]) => x !== true,
  less: ([x, y]) => Number(x) < Number(y),
  greater: ([x, y]) => Number(x) > Number(y),
  lessOrEquals: ([x, y]) => Number(x) <= Number(y),
  toUpper: ([s]) => String(s).toUpperCase(),
  // ADF percent-encodes as .NET's Uri.EscapeDataString does (RFC 3986 unreserved characters kept).
  uriComponent: ([s]) => encodeURIComponent(String(s)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  equals: ([x, y]) => x === y,
  trim: ([s]) => String(s).trim(),
  startsWith: ([s, p]) => String(s).startsWith(String(p)),
  endsWith: ([s, p]) => String(s).endsWith(String(p)),
  contains: ([s, p]) => (Array.isArray(s) ? s.includes(p) : String(s).includes(String(p))),
  createArray: (a) => a,
  length: ([s]) => String(s).length,
  add: ([x, y]) => Number(x) + Number(y),
  sub: ([x, y]) => Number(x) - Number(y),
  int: ([s]) => {
    const n = Number(s);
    return Number.isInteger(n) ? n : fail(`int(${JSON.stringify(s)})`);
  },
  substring: ([s, start, len]) => {
    const str = String(s);
    const st = Number(start);
    const l = Number(len);
    if (st < 0 || l < 0 || st + l > str.length) fail(`substring out of range (${st}, ${l}) of ${JSON.stringify(str)}`);
    return str.substr(st, l);
  },
  pipeline: (_a, ctx) => ({ parameters: ctx.parameters ?? {}, RunId: ctx.runId ?? "run-id" }),
  variables: ([name], ctx) => (ctx.variables ?? {})[String(name)],
  activity: ([name], ctx) => ({ output: (ctx.activityOutputs ?? {})[String(name)], error: (ctx.activityErrors ?? {})[String(name)] }),
  if: ([c, a, b]) => (typeof c === "boolean" ? (c ? a : b) : fail(`if takes a boolean, got ${JSON.stringify(c)}`)),
  triggerBody: (_a, ctx) => ctx.triggerBody ?? {},
};

class Parser {
  private i = 0;
  constructor(private readonly src: string, private readonly ctx: AdfContext) {}

  parse(): Value {
    const v = this.expr();
    this.ws();
    if (this.i !== this.src.length) fail(`unexpected "${this.src.slice(this.i)}"`);
    return v;
  }

  private ws(): void {
    while (this.src[this.i] === " ") this.i++;
  }

  private expr(): Value {
    this.ws();
    const ch = this.src[this.i];
    if (ch === "'") return this.accessors(this.string());
    if (/[0-9-]/.test(ch)) {
      const m = /^-?\d+/.exec(this.src.slice(this.i))!;
      this.i += m[0].length;
      return Number(m[0]);
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.i));
    if (!m) fail(`unexpected "${this.src.slice(this.i)}"`);
    this.i += m[0].length;
    if (m[0] === "true" || m[0] === "false") return m[0] === "true";
    const fn = FUNCTIONS[m[0]] ?? fail(`unknown function ${m[0]}`);
    if (this.src[this.i] !== "(") fail(`expected ( after ${m[0]}`);
    this.i++;
    const args: Value[] = [];
    this.ws();
    if (this.src[this.i] === ")") this.i++;
    else {
      for (;;) {
        args.push(this.expr());
        this.ws();
        const c = this.src[this.i++];
        if (c === ")") break;
        if (c !== ",") fail(`expected , or ) at ${this.i}`);
      }
    }
    return this.accessors(fn(args, this.ctx));
  }

  private accessors(v: Value): Value {
    let cur = v;
    while (this.src[this.i] === ".") {
      this.i++;
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.i))!;
      this.i += m[0].length;
      if (cur === null || typeof cur !== "object" || !(m[0] in cur)) fail(`no property ${m[0]}`);
      cur = (cur as Record<string, unknown>)[m[0]];
    }
    return cur;
  }

  private string(): string {
    this.i++; // opening quote
    let out = "";
    for (;;) {
      if (this.i >= this.src.length) fail("unterminated string");
      const c = this.src[this.i++];
      if (c === "'") {
        if (this.src[this.i] === "'") {
          out += "'";
          this.i++;
        } else return out;
      } else out += c;
    }
  }
}

/** Evaluate an ADF expression (with its leading '@'). */
export function evaluate(expression: string, ctx: AdfContext = {}): Value {
  if (!expression.startsWith("@")) fail(`not an expression: ${expression}`);
  return new Parser(expression.slice(1), ctx).parse();
}
