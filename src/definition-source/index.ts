export type { DefinitionFormat } from './read-definition.js';
export { detectFormat, readDefinitionText, parseYamlDefinition } from './read-definition.js';
