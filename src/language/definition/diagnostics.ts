/** One problem found in a definition. Validation returns all of them at once. */
export interface Diagnostic {
  /** Stable machine-readable code, e.g. `MISSING_FIELD`, `UNKNOWN_TARGET`. */
  readonly code: string;
  /** JSON pointer (RFC 6901) to the offending value, `''` for the document. */
  readonly pointer: string;
  /** 1-based source position when the definition came from text; 0 when unknown. */
  readonly line: number;
  readonly column: number;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** Maps JSON pointers to 1-based source positions, filled in by the parser. */
export interface SourceMap {
  positionOf(pointer: string): { readonly line: number; readonly column: number } | undefined;
}

/** Escapes one reference token for a JSON pointer (RFC 6901 §3). */
export function escapePointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Joins a parent pointer and a child token. */
export function childPointer(parent: string, token: string | number): string {
  return `${parent}/${escapePointerToken(token)}`;
}
