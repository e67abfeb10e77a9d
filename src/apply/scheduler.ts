/**
 * The scheduler: a ready-queue over a plan's `dependsOn` graph. It decides *what may start*;
 * it never carries anything out. `ReadyQueue` is synchronous and pure (tests drive it step by
 * step); `runGraph` is the small async loop that feeds a worker function from it with at most
 * `concurrency` nodes in flight, and `runGroups` the same loop handing the nodes ready together
 * to the worker as one group (apply's group commit on the local target).
 *
 * The guarantees (docs/apply.md, "Executor"):
 * - a node starts only after every one of its dependencies succeeded;
 * - when a node fails, nothing that transitively depends on it starts; every other node still runs;
 * - every node is started at most once;
 * - at most `concurrency` nodes are in flight at any moment.
 */
import { InternalError } from '../errors.js';
import { MinHeap } from '../util/heap.js';

export interface GraphNode {
  id: string;
  dependsOn: readonly string[];
}

/** Why a node did not start. */
export type NotStartedReason =
  /** A dependency (maybe transitive) failed; `failed` is the id of the node that failed. */
  | { kind: 'dependency-failed'; failed: string; via: string }
  /** The run was cancelled (SIGINT/SIGTERM) before the node could start. */
  | { kind: 'cancelled' };

type Status = 'waiting' | 'ready' | 'running' | 'succeeded' | 'failed' | 'skipped';

export class ReadyQueue {
  private readonly status = new Map<string, Status>();
  /** How many dependencies of each node have not succeeded yet. */
  private readonly missing = new Map<string, number>();
  private readonly dependents = new Map<string, string[]>();
  private readonly order = new Map<string, number>();
  private readonly skippedBecause = new Map<string, NotStartedReason>();
  /** Ready nodes, taken in plan order so that a concurrency of 1 reproduces the plan's own order. */
  private readonly ready: MinHeap;
  /** Node ids by plan position: the heap holds positions. */
  private readonly ids: string[] = [];
  private running = 0;
  private cancelled = false;

  /**
   * `alreadyDone` are nodes that succeeded in an earlier run (journaled `done`): they count as
   * succeeded dependencies and are never started again.
   */
  constructor(nodes: readonly GraphNode[], alreadyDone: ReadonlySet<string> = new Set()) {
    this.ready = new MinHeap();
    nodes.forEach((n, i) => {
      if (this.order.has(n.id)) throw new InternalError(`duplicate node id '${n.id}'`);
      this.order.set(n.id, i);
      this.ids.push(n.id);
      this.dependents.set(n.id, []);
    });
    for (const n of nodes) {
      for (const d of new Set(n.dependsOn)) {
        if (!this.order.has(d)) throw new InternalError(`node '${n.id}' depends on unknown node '${d}'`);
        if (d === n.id) throw new InternalError(`node '${n.id}' depends on itself`);
        this.dependents.get(d)!.push(n.id);
      }
    }
    for (const [i, n] of nodes.entries()) {
      if (alreadyDone.has(n.id)) {
        this.status.set(n.id, 'succeeded');
        continue;
      }
      const open = new Set(n.dependsOn.filter((d) => !alreadyDone.has(d))).size;
      this.missing.set(n.id, open);
      this.status.set(n.id, open === 0 ? 'ready' : 'waiting');
      if (open === 0) this.ready.push(i);
    }
    this.assertAcyclic(nodes);
  }

  /** The next node that may start, or undefined when none may start now. Marks it running. */
  take(): string | undefined {
    if (this.cancelled) return undefined;
    const at = this.ready.pop();
    if (at === undefined) return undefined;
    const id = this.ids[at]!;
    this.status.set(id, 'running');
    this.running++;
    return id;
  }

  /** A running node succeeded: its dependents whose dependencies have all succeeded become ready. */
  succeed(id: string): void {
    this.finish(id, 'succeeded');
    for (const dep of this.dependents.get(id) ?? []) {
      if (this.status.get(dep) !== 'waiting') continue;
      const left = this.missing.get(dep)! - 1;
      this.missing.set(dep, left);
      if (left === 0) {
        this.status.set(dep, 'ready');
        this.ready.push(this.order.get(dep)!);
      }
    }
  }

  /** A running node failed: everything downstream of it will never start. */
  fail(id: string): void {
    this.finish(id, 'failed');
    const stack: Array<{ node: string; via: string }> = (this.dependents.get(id) ?? []).map((d) => ({ node: d, via: id }));
    while (stack.length) {
      const { node, via } = stack.pop()!;
      const s = this.status.get(node);
      // A ready node has all its dependencies succeeded, so it is never downstream of a failure.
      if (s !== 'waiting') continue;
      this.status.set(node, 'skipped');
      this.skippedBecause.set(node, { kind: 'dependency-failed', failed: id, via });
      for (const d of this.dependents.get(node) ?? []) stack.push({ node: d, via: node });
    }
  }

  /** No node starts any more; the ones running may finish. */
  cancel(): void {
    this.cancelled = true;
  }

  get inFlight(): number {
    return this.running;
  }

  /** True when nothing runs and nothing more can start. */
  get settled(): boolean {
    return this.running === 0 && (this.cancelled || this.ready.size === 0);
  }

  /** The nodes that never started, with the reason, in plan order. Meaningful once settled. */
  notStarted(): Array<{ id: string; reason: NotStartedReason }> {
    const out: Array<{ id: string; reason: NotStartedReason }> = [];
    for (const [id, s] of this.status) {
      if (s === 'skipped') out.push({ id, reason: this.skippedBecause.get(id)! });
      else if (s === 'waiting' || s === 'ready') out.push({ id, reason: { kind: 'cancelled' } });
    }
    return out.sort((a, b) => this.order.get(a.id)! - this.order.get(b.id)!);
  }

  private finish(id: string, to: 'succeeded' | 'failed'): void {
    if (this.status.get(id) !== 'running') throw new InternalError(`node '${id}' is not running`);
    this.status.set(id, to);
    this.running--;
  }

  /** A cycle would leave nodes waiting forever: refuse it up front (the planner never makes one). */
  private assertAcyclic(nodes: readonly GraphNode[]): void {
    const state = new Map<string, 1 | 2>();
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const start of nodes) {
      if (state.has(start.id)) continue;
      const stack: Array<{ id: string; i: number }> = [{ id: start.id, i: 0 }];
      state.set(start.id, 1);
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        const deps = byId.get(top.id)!.dependsOn;
        if (top.i < deps.length) {
          const next = deps[top.i++]!;
          const s = state.get(next);
          if (s === 1) throw new InternalError(`the dependency graph has a cycle through '${next}'`);
          if (s === undefined) {
            state.set(next, 1);
            stack.push({ id: next, i: 0 });
          }
        } else {
          state.set(top.id, 2);
          stack.pop();
        }
      }
    }
  }
}

export interface GraphRun<R> {
  succeeded: Array<{ id: string; value: R }>;
  failed: Array<{ id: string; error: unknown }>;
  notStarted: Array<{ id: string; reason: NotStartedReason }>;
  cancelled: boolean;
}

/** How one node of a group ended: what `runGroups`' work answers for each node it was given. */
export type NodeOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs `work` over the graph with at most `concurrency` nodes in flight. `work` rejecting marks
 * the node failed. When `signal` aborts, nothing more starts and the call resolves once the
 * nodes in flight have finished (an action half-sent is never abandoned by us). Between one
 * node's end and the next start the event loop turns once, so that a signal can abort the run.
 */
export async function runGraph<R>(
  nodes: readonly GraphNode[],
  work: (id: string) => Promise<R>,
  options: { concurrency: number; alreadyDone?: ReadonlySet<string>; signal?: AbortSignal },
): Promise<GraphRun<R>> {
  return runGroups(
    nodes,
    ([id]) =>
      work(id!).then(
        (value): Array<NodeOutcome<R>> => [{ ok: true, value }],
        (error: unknown): Array<NodeOutcome<R>> => [{ ok: false, error }],
      ),
    { ...options, groupLimit: 1 },
  );
}

/**
 * `runGraph` in groups: the nodes ready at the same moment (so independent of each other: none
 * waits on another) start together as one call of `work`, at most `groupLimit` of them, and at
 * most `concurrency` nodes are in flight over all groups (a group is cut to the room left).
 * `work` answers each node's outcome, in the order given; a node finishes, and its dependents may
 * start, only when its whole group has answered. With `groupLimit` 1 this is `runGraph`. A `work`
 * that rejects fails every node of its group with that error.
 */
export async function runGroups<R>(
  nodes: readonly GraphNode[],
  work: (ids: readonly string[]) => Promise<Array<NodeOutcome<R>>>,
  options: { concurrency: number; groupLimit: number; alreadyDone?: ReadonlySet<string>; signal?: AbortSignal },
): Promise<GraphRun<R>> {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const groupLimit = Math.max(1, Math.floor(options.groupLimit));
  const queue = new ReadyQueue(nodes, options.alreadyDone);
  const result: GraphRun<R> = { succeeded: [], failed: [], notStarted: [], cancelled: false };
  const signal = options.signal;

  return new Promise<GraphRun<R>>((resolve) => {
    let finished = false;
    const onAbort = () => {
      queue.cancel();
      result.cancelled = true;
      pump();
    };
    const settle = (id: string, outcome: NodeOutcome<R> | undefined) => {
      if (outcome?.ok) {
        result.succeeded.push({ id, value: outcome.value });
        queue.succeed(id);
      } else {
        const error = outcome ? outcome.error : new InternalError(`no outcome for node '${id}'`);
        result.failed.push({ id, error });
        queue.fail(id);
      }
    };
    const pump = () => {
      if (finished) return;
      while (queue.inFlight < concurrency) {
        const group: string[] = [];
        const room = Math.min(groupLimit, concurrency - queue.inFlight);
        while (group.length < room) {
          const id = queue.take();
          if (id === undefined) break;
          group.push(id);
        }
        if (!group.length) break;
        // Start asynchronously even when `work` throws synchronously. Never rejects: both outcomes are handled.
        void Promise.resolve()
          .then(() => work(group))
          .then(
            (outcomes) => group.forEach((id, i) => settle(id, outcomes[i])),
            (error: unknown) => group.forEach((id) => settle(id, { ok: false, error })),
          )
          // Back to the event loop before the next start: a target whose work completes without
          // waiting on I/O (SQLite is synchronous) would otherwise run the whole graph in one
          // chain of microtasks, and SIGINT/SIGTERM handlers would never get to run.
          .then(() => setImmediate(pump));
      }
      if (queue.settled) {
        finished = true;
        signal?.removeEventListener('abort', onAbort);
        result.notStarted = queue.notStarted();
        resolve(result);
      }
    };
    if (signal?.aborted) onAbort();
    else {
      signal?.addEventListener('abort', onAbort, { once: true });
      pump();
    }
  });
}
