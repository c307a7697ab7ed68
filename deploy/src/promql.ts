import { goTool, type RunResult, run } from './tools.js';

/** What Prometheus' own parser says of one expression. */
export interface ExprAnalysis {
  expr: string;
  /** The parse error, when it does not parse. */
  error?: string;
  /** The metric names its selectors read. */
  metrics: string[];
}

/** Parses expressions with Prometheus' parser (deploy/tools/promcheck `exprs`). */
export async function analyzeExprs(exprs: readonly string[]): Promise<ExprAnalysis[]> {
  const binary = await goTool('promcheck');
  const result = await run(binary, ['exprs'], { input: JSON.stringify(exprs) });
  if (result.code !== 0) throw new Error(`promcheck exprs: ${result.stderr}`);
  return JSON.parse(result.stdout) as ExprAnalysis[];
}

/** Runs promcheck with arguments (`rules FILE…` or `test RULES SCRIPT…`). */
export async function promcheck(args: readonly string[], cwd?: string): Promise<RunResult> {
  const binary = await goTool('promcheck');
  return run(binary, args, { cwd });
}

/**
 * Grafana's template variables replaced by values Prometheus can parse: `$__rate_interval` and
 * `$__interval` by a duration, `$name`/`${name}` by `.*` (they only appear inside regex matchers).
 */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)/g, '5m')
    .replace(/\$\{[A-Za-z_][A-Za-z0-9_:]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, '.*');
}
