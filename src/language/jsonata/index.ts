/** JSONata for JSONata states: recognition, syntax checks, evaluation. */
export { checkJsonataSyntax, isJsonataExpression, jsonataBody } from './expression.js';
export {
  evaluateJsonata,
  evaluateJsonataCondition,
  evaluateJsonataRequired,
  evaluateJsonataTemplate,
  undefinedResultCause,
} from './evaluate.js';
export type { JsonataScope } from './evaluate.js';
export { uuidV4 } from '../uuid.js';
