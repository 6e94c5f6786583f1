/**
 * Assign (AWS workflow-variables): each key is a variable name, checked by the one rule in
 * language/paths (through expression-syntax.ts), and may not be "states" (reserved for $states). In
 * JSONPath states a key ending in ".$" takes a path or intrinsic function, as in a payload
 * template.
 */
import { isJsonObject } from '../../common/index.js';
import { childPointer } from './diagnostics.js';
import { variableNameProblem } from './expression-syntax.js';
import type { FieldCheck } from './state-context.js';
import {
  checkJsonataValue,
  checkPayloadSize,
  checkTemplateValue,
  typeName,
  where,
} from './value-checks.js';

export const checkAssign: FieldCheck = checkPayloadSize((ctx, value, pointer) => {
  if (!isJsonObject(value)) {
    ctx.report(
      'WRONG_TYPE',
      pointer,
      `${where(ctx)}: "Assign" must be an object of variable names to values, but it is ${typeName(value)}.`,
    );
    return;
  }
  for (const key of Object.keys(value)) {
    const keyPointer = childPointer(pointer, key);
    const name = ctx.queryLanguage === 'JSONPath' && key.endsWith('.$') ? key.slice(0, -2) : key;
    if (name === 'states') {
      ctx.report(
        'RESERVED_VARIABLE_NAME',
        keyPointer,
        `${where(ctx)}: "Assign" cannot set "${name}": $states is reserved for the state's input, result, error output and context; pick another name.`,
      );
      continue;
    }
    const problem = variableNameProblem(name);
    if (problem !== undefined) {
      ctx.report(
        'INVALID_VARIABLE_NAME',
        keyPointer,
        `${where(ctx)}: "${name}" is not a valid variable name: ${problem}.`,
      );
    }
  }
  if (ctx.queryLanguage === 'JSONPath') checkTemplateValue(ctx, value, pointer, 0);
  else checkJsonataValue(ctx, value, pointer);
});
