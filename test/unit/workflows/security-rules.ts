// The security rules every workflow and action of this repository follows, as a walk over the
// parsed YAML. Pure: text in, problems out, so the tests can also show that each rule catches a
// violation.
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

export interface Problem {
  line: number;
  rule: string;
  message: string;
}

/** owner/repo[/path]@<40 hex>, or a container image pinned by digest. */
const PINNED =
  /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@[0-9a-f]{40}|docker:\/\/[^@\s]+@sha256:[0-9a-f]{64})$/;
const VERSION_COMMENT = /#\s*v\d/;

interface Walk {
  text: string;
  lines: LineCounter;
  problems: Problem[];
}

function lineOf(w: Walk, node: Node | null | undefined): number {
  return node?.range ? w.lines.linePos(node.range[0]).line : 1;
}

function get(map: unknown, key: string): Node | undefined {
  if (!isMap(map)) return undefined;
  return map.get(key, true);
}

function add(w: Walk, node: Node | null | undefined, rule: string, message: string): void {
  w.problems.push({ line: lineOf(w, node), rule, message });
}

function checkUses(w: Walk, node: Node | undefined, where: string): void {
  if (!isScalar(node) || typeof node.value !== 'string') return;
  const uses = node.value;
  if (uses.startsWith('./')) return; // this repository's own action or workflow, same commit
  if (!PINNED.test(uses)) {
    add(w, node, 'pinned', `${where}: '${uses}' is not pinned to a full 40-hex commit SHA`);
    return;
  }
  const line = w.text.split('\n')[lineOf(w, node) - 1] ?? '';
  if (!uses.startsWith('docker://') && !VERSION_COMMENT.test(line.slice(line.indexOf(uses) + uses.length)))
    add(w, node, 'pinned', `${where}: '${uses}' has no '# vX' comment saying which release the SHA is`);
}

/** A job's container image, a string or { image }: pinned by digest like an action by SHA. */
function checkContainer(w: Walk, job: Node, where: string): void {
  const container = get(job, 'container');
  const image = isMap(container) ? get(container, 'image') : container;
  if (!isScalar(image)) return;
  if (!/@sha256:[0-9a-f]{64}$/.test(String(image.value)))
    add(w, image, 'pinned', `${where}: container '${String(image.value)}' is not pinned by @sha256 digest`);
}

function checkStepInputs(w: Walk, step: Node, name: string): void {
  const uses = get(step, 'uses');
  const inputs = get(step, 'with');
  const action = isScalar(uses) ? (String(uses.value).split('@')[0] ?? '') : '';
  // A floating toolchain version changes what CI runs without a commit.
  const nodeVersion = get(inputs, 'node-version');
  if (
    action === 'actions/setup-node' &&
    nodeVersion &&
    !/^\d+\.\d+\.\d+$/.test(String((nodeVersion as { value?: unknown }).value))
  )
    add(w, nodeVersion, 'pinned', `${name}: node-version is not an exact x.y.z version`);
  // A cache key with the run id stores a new entry every run, evicting the useful ones.
  const key = get(inputs, 'key');
  if (
    action.startsWith('actions/cache') &&
    isScalar(key) &&
    /github\.run_(id|attempt|number)/.test(String(key.value))
  )
    add(w, key, 'cache-key', `${name}: the cache key holds the run id: every run stores a new entry`);
}

function checkSteps(w: Walk, steps: Node | undefined, where: string): void {
  if (!isSeq(steps)) return;
  steps.items.forEach((step, i) => {
    const name = `${where} step ${i + 1}`;
    checkUses(w, get(step, 'uses'), name);
    checkStepInputs(w, step as Node, name);
    const run = get(step, 'run');
    if (isScalar(run) && String(run.value).includes('${{'))
      add(w, run, 'run-expression', `${name}: \${{ }} inside run: (pass values through env: instead)`);
  });
}

/** Problems of a workflow file. */
export function workflowProblems(text: string): Problem[] {
  const w: Walk = { text, lines: new LineCounter(), problems: [] };
  const doc = parseDocument(text, { lineCounter: w.lines });
  const root = doc.contents;

  const on = get(root, 'on');
  const triggers = isMap(on)
    ? on.items.map((p) => String((p.key as { value?: unknown }).value))
    : isSeq(on)
      ? on.items.map((n) => String((n as { value?: unknown }).value))
      : [String((on as { value?: unknown } | undefined)?.value)];
  if (triggers.includes('pull_request_target'))
    add(w, on, 'pull_request_target', 'pull_request_target runs with secrets on code from forks');

  const permissions = get(root, 'permissions');
  if (!isMap(permissions) || permissions.items.length > 0)
    add(w, permissions ?? root, 'permissions', 'the workflow must set permissions: {} and grant per job');

  const jobs = get(root, 'jobs');
  if (!isMap(jobs)) return w.problems;
  for (const pair of jobs.items) {
    const id = String((pair.key as { value?: unknown }).value);
    const job = pair.value as Node;
    const jobPermissions = get(job, 'permissions');
    if (!isMap(jobPermissions))
      add(
        w,
        jobPermissions ?? job,
        'permissions',
        `job ${id}: no permissions: map (grant what it needs, nothing by default)`,
      );
    const calledWorkflow = get(job, 'uses');
    if (calledWorkflow) {
      // A job calling a reusable workflow cannot set timeout-minutes; the called jobs do.
      checkUses(w, calledWorkflow, `job ${id}`);
      continue;
    }
    if (!get(job, 'timeout-minutes')) add(w, job, 'timeout', `job ${id}: no timeout-minutes`);
    checkContainer(w, job, `job ${id}`);
    checkSteps(w, get(job, 'steps'), `job ${id}`);
  }
  return w.problems;
}

/** Problems of an action.yml (composite actions have steps too). */
export function actionProblems(text: string): Problem[] {
  const w: Walk = { text, lines: new LineCounter(), problems: [] };
  const doc = parseDocument(text, { lineCounter: w.lines });
  checkSteps(w, get(get(doc.contents, 'runs'), 'steps'), 'runs');
  return w.problems;
}
