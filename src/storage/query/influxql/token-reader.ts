import type { Expr, Source } from './ast.js';
import type { Token } from './lexer.js';

// What the statement parsers (parse-select, parse-show) use of the parser, so they need not import it back.
export interface TokenReader {
  peek(): Token;
  next(): Token;
  isKeyword(t: Token, ...words: string[]): boolean;
  acceptKeyword(...words: string[]): string | undefined;
  expectKeyword(word: string): void;
  isOp(t: Token, op: string): boolean;
  acceptOp(op: string): boolean;
  expectOp(op: string): void;
  error(t: Token, expected: string): Error;
  parseLimits(target: { limit?: number; offset?: number; slimit?: number; soffset?: number }, series: boolean): void;
  parseInt(what: string): number;
  parseIdent(): string;
  parseName(): string;
  parseRegex(): string;
  parseSources(): Source[];
  parseExpr(minPrec?: number): Expr;
}
