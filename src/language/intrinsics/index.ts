export type {
  IntrinsicArgument,
  IntrinsicCall,
  IntrinsicStringLiteral,
} from './intrinsic-parser.js';
export {
  IntrinsicSyntaxError,
  MAX_INTRINSIC_NESTING,
  isIntrinsicInvocation,
  parseIntrinsic,
} from './intrinsic-parser.js';
export type { ArgumentType, IntrinsicSpec, ParameterSpec } from './intrinsic-functions.js';
export {
  INTRINSIC_FUNCTIONS,
  MAX_ARRAY_RANGE_ITEMS,
  MAX_ENCODED_INPUT_CHARS,
} from './intrinsic-functions.js';
export { checkIntrinsicSyntax, evaluateIntrinsic } from './evaluate-intrinsic.js';
export type { HashAlgorithm } from './hash.js';
export { HASH_ALGORITHMS, hashHex } from './hash.js';
export { decodeBase64, encodeBase64 } from './base64.js';
