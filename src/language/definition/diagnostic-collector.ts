import type { DiagnosticCode } from './diagnostic-codes.js';
import type { Diagnostic, SourceMap } from './diagnostics.js';

/**
 * Collects diagnostics and attaches source positions. A pointer with no position of its own
 * (a missing field) takes the position of its nearest ancestor that has one.
 */
export class DiagnosticCollector {
  readonly #diagnostics: Diagnostic[] = [];
  readonly #sourceMap: SourceMap | undefined;

  constructor(sourceMap?: SourceMap) {
    this.#sourceMap = sourceMap;
  }

  report(code: DiagnosticCode, pointer: string, message: string): void {
    const { line, column } = this.#positionOf(pointer);
    this.#diagnostics.push({ code, pointer, line, column, message });
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.#diagnostics;
  }

  #positionOf(pointer: string): { line: number; column: number } {
    if (this.#sourceMap === undefined) return { line: 0, column: 0 };
    let current = pointer;
    for (;;) {
      const position = this.#sourceMap.positionOf(current);
      if (position !== undefined) return { line: position.line, column: position.column };
      if (current === '') return { line: 0, column: 0 };
      current = current.slice(0, current.lastIndexOf('/'));
    }
  }
}

/** The signature validators use to report; bound to one collector. */
export type Report = (code: DiagnosticCode, pointer: string, message: string) => void;
