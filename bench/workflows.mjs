// Workflows the benchmarks share.

/** The 10-state Pass/Choice workflow: 6 Pass (States.MathAdd), 3 Choice, Succeed. */
export function tenStates() {
  const states = {};
  for (let i = 0; i < 9; i++) {
    states[`S${i}`] =
      i % 3 === 2
        ? {
            Type: 'Choice',
            Choices: [{ Variable: '$.n', NumericGreaterThanEquals: 0, Next: `S${i + 1}` }],
            Default: `S${i + 1}`,
          }
        : { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: `S${i + 1}` };
  }
  states.S9 = { Type: 'Succeed' };
  return { StartAt: 'S0', States: states };
}
