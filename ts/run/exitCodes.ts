/** k6's exit codes (errext/exitcodes), the ones this CLI produces. */
export const ExitCode = {
  Ok: 0,
  ThresholdsFailed: 99,
  SetupTimeout: 100,
  TeardownTimeout: 101,
  StoppedFromApi: 103,
  InvalidConfig: 104,
  ExternalAbort: 105,
  CannotStartRestApi: 106,
  ScriptException: 107,
  ScriptAborted: 108,
  CliMisuse: 255,
} as const;
