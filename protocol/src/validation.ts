import type { z } from 'zod';

/** "reads[3].rssi" style path for a zod issue path. */
export function issuePath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s ? `.${String(p)}` : String(p);
  }
  return s || '(root)';
}

/** One line per issue, each naming the bad field: `reads[0].rssi: Too small: expected number to be >=-130`. */
export function describeZodError(err: z.ZodError): string[] {
  return err.issues.map((i) => `${issuePath(i.path)}: ${i.message}`);
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** safeParse with field-naming messages. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): ParseResult<z.output<S>> {
  const r = schema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, errors: describeZodError(r.error) };
}
