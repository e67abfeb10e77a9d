import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ReadyQueue, runGraph, runGroups, type GraphNode } from '../../src/apply/scheduler.js';

const n = (id: string, ...dependsOn: string[]): GraphNode => ({ id, dependsOn });

/**
 * Runs `nodes` through runGraph (or, with `groupLimit`, runGroups: a group waits as one) where
 * `work` completes only when the test lets it: no timers.
 */
function controlled(nodes: GraphNode[], failing: ReadonlySet<string>, concurrency: number, alreadyDone?: ReadonlySet<string>, groupLimit?: number) {
  const log: Array<{ at: 'start' | 'end'; id: string }> = [];
  const groups: string[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const waiting: Array<() => void> = [];
  const graph = { concurrency, ...(alreadyDone ? { alreadyDone } : {}) };
  const one = async (ids: readonly string[]) => {
    groups.push([...ids]);
    for (const id of ids) log.push({ at: 'start', id });
    inFlight += ids.length;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Finish in a later microtask turn, in whatever order the drain loop releases them.
    await new Promise<void>((r) => waiting.push(r));
    inFlight -= ids.length;
    for (const id of ids) log.push({ at: 'end', id });
  };
  const run =
    groupLimit === undefined
      ? runGraph(
          nodes,
          async (id) => {
            await one([id]);
            if (failing.has(id)) throw new Error(`boom ${id}`);
            return id;
          },
          graph,
        )
      : runGroups(
          nodes,
          async (ids) => {
            await one(ids);
            return ids.map((id) => (failing.has(id) ? { ok: false as const, error: new Error(`boom ${id}`) } : { ok: true as const, value: id }));
          },
          { ...graph, groupLimit },
        );
  return { run, log, waiting, groups, max: () => maxInFlight };
}

/** Releases waiting workers one by one, picking which with `pick`, until the run settles. */
async function drain(c: ReturnType<typeof controlled>, pick: (k: number) => number): Promise<Awaited<typeof c.run>> {
  let settled = false;
  const done = c.run.then((r) => {
    settled = true;
    return r;
  });
  let step = 0;
  while (!settled) {
    // Let started workers register their resolvers.
    for (let i = 0; i < 5; i++) await Promise.resolve();
    if (c.waiting.length) {
      const i = pick(step++) % c.waiting.length;
      const [release] = c.waiting.splice(i, 1);
      release!();
    } else {
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  return done;
}

describe('ReadyQueue', () => {
  it('starts independent nodes in plan order and a dependent only after its dependencies succeed', () => {
    const q = new ReadyQueue([n('a1'), n('a2'), n('a3', 'a1', 'a2')]);
    expect(q.take()).toBe('a1');
    expect(q.take()).toBe('a2');
    expect(q.take()).toBeUndefined();
    q.succeed('a2');
    expect(q.take()).toBeUndefined();
    q.succeed('a1');
    expect(q.take()).toBe('a3');
    q.succeed('a3');
    expect(q.settled).toBe(true);
    expect(q.notStarted()).toEqual([]);
  });

  it('never starts what transitively depends on a failure, and names the failure and the path', () => {
    const q = new ReadyQueue([n('a1'), n('a2', 'a1'), n('a3', 'a2'), n('a4')]);
    expect(q.take()).toBe('a1');
    expect(q.take()).toBe('a4');
    q.fail('a1');
    q.succeed('a4');
    expect(q.take()).toBeUndefined();
    expect(q.settled).toBe(true);
    expect(q.notStarted()).toEqual([
      { id: 'a2', reason: { kind: 'dependency-failed', failed: 'a1', via: 'a1' } },
      { id: 'a3', reason: { kind: 'dependency-failed', failed: 'a1', via: 'a2' } },
    ]);
  });

  it('treats journaled nodes as succeeded dependencies and never starts them', () => {
    const q = new ReadyQueue([n('a1'), n('a2', 'a1'), n('a3', 'a2')], new Set(['a1']));
    expect(q.take()).toBe('a2');
    q.succeed('a2');
    expect(q.take()).toBe('a3');
  });

  it('counts a dependency listed twice once', () => {
    const q = new ReadyQueue([n('a1'), n('a2', 'a1', 'a1')]);
    q.take();
    q.succeed('a1');
    expect(q.take()).toBe('a2');
  });

  it('stops starting nodes once cancelled, and reports the rest as cancelled', () => {
    const q = new ReadyQueue([n('a1'), n('a2'), n('a3', 'a1')]);
    expect(q.take()).toBe('a1');
    q.cancel();
    expect(q.take()).toBeUndefined();
    expect(q.settled).toBe(false);
    q.succeed('a1');
    expect(q.settled).toBe(true);
    expect(q.notStarted().map((x) => [x.id, x.reason.kind])).toEqual([
      ['a2', 'cancelled'],
      ['a3', 'cancelled'],
    ]);
  });

  it('refuses cycles, unknown dependencies and duplicate ids', () => {
    expect(() => new ReadyQueue([n('a1', 'a2'), n('a2', 'a1')])).toThrow(/cycle/);
    expect(() => new ReadyQueue([n('a1', 'zz')])).toThrow(/unknown/);
    expect(() => new ReadyQueue([n('a1'), n('a1')])).toThrow(/duplicate/);
  });
});

describe('runGraph', () => {
  it('runs a plan one by one in plan order with a concurrency of 1', async () => {
    const c = controlled([n('a1'), n('a2'), n('a3', 'a1'), n('a4')], new Set(), 1);
    const r = await drain(c, () => 0);
    expect(c.log.filter((e) => e.at === 'start').map((e) => e.id)).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(r.succeeded.map((s) => s.id).sort()).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(c.max()).toBe(1);
  });

  it('resolves at once for an empty graph and when everything is already done', async () => {
    expect((await runGraph([], async () => 1, { concurrency: 4 })).succeeded).toEqual([]);
    const r = await runGraph([n('a1')], async () => 1, { concurrency: 4, alreadyDone: new Set(['a1']) });
    expect(r.succeeded).toEqual([]);
    expect(r.notStarted).toEqual([]);
  });

  it('runGroups: the nodes ready together start as one group, cut to the group limit; dependents start once their group answered', async () => {
    const c = controlled([n('a1'), n('a2'), n('a3'), n('a4', 'a1'), n('a5', 'a2')], new Set(['a2']), 10, undefined, 2);
    const r = await drain(c, () => 0);
    expect(c.groups).toEqual([['a1', 'a2'], ['a3'], ['a4']]);
    expect(r.notStarted).toEqual([{ id: 'a5', reason: { kind: 'dependency-failed', failed: 'a2', via: 'a2' } }]);
  });

  it('lets the running nodes finish when aborted, and starts nothing more', async () => {
    const ac = new AbortController();
    const started: string[] = [];
    const r = await runGraph(
      [n('a1'), n('a2'), n('a3')],
      async (id) => {
        started.push(id);
        if (id === 'a1') ac.abort();
        return id;
      },
      { concurrency: 1, signal: ac.signal },
    );
    expect(started).toEqual(['a1']);
    expect(r.cancelled).toBe(true);
    expect(r.succeeded.map((s) => s.id)).toEqual(['a1']);
    expect(r.notStarted.map((s) => s.id)).toEqual(['a2', 'a3']);
  });

  it('property: for random DAGs and failure sets, order, downstream skipping, exactly-once and the concurrency bound hold, one node or a group at a time', async () => {
    const dag = fc.integer({ min: 1, max: 25 }).chain((size) =>
      fc.record({
        // Each node may depend only on earlier ones: a DAG by construction.
        deps: fc.tuple(
          ...Array.from({ length: size }, (_, i) =>
            fc.subarray(
              Array.from({ length: i }, (_, j) => j),
              { maxLength: Math.min(4, i) },
            ),
          ),
        ),
        failing: fc.subarray(Array.from({ length: size }, (_, i) => i)),
        done: fc.subarray(
          Array.from({ length: size }, (_, i) => i),
          { maxLength: Math.min(3, size) },
        ),
        concurrency: fc.integer({ min: 1, max: 6 }),
        // runGroups with this limit; none: runGraph.
        groupLimit: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        picks: fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        // Shuffle the listing order so that plan order is not always topological order.
        reverse: fc.boolean(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(dag, async ({ deps, failing, done, concurrency, groupLimit, picks, reverse }) => {
        const ids = deps.map((_, i) => `a${i}`);
        let nodes = deps.map((d, i) => n(ids[i]!, ...d.map((j) => ids[j]!)));
        if (reverse) nodes = [...nodes].reverse();
        // A journaled node's dependencies were done too (a real journal is a prefix of a valid run).
        const doneSet = new Set<string>();
        const addDone = (i: number) => {
          if (doneSet.has(ids[i]!)) return;
          doneSet.add(ids[i]!);
          deps[i]!.forEach(addDone);
        };
        done.forEach(addDone);
        const failSet = new Set(failing.map((i) => ids[i]!));
        const c = controlled(nodes, failSet, concurrency, doneSet, groupLimit);
        const result = await drain(c, (k) => picks[k % picks.length]!);

        const started = c.log.filter((e) => e.at === 'start').map((e) => e.id);
        // Exactly once, and never a journaled one.
        expect(new Set(started).size).toBe(started.length);
        for (const id of started) expect(doneSet.has(id)).toBe(false);
        // Concurrency bound, and the group bound; no node of a group depends on another of it.
        expect(c.max()).toBeLessThanOrEqual(concurrency);
        for (const g of c.groups) {
          expect(g.length).toBeLessThanOrEqual(Math.min(concurrency, groupLimit ?? 1));
          for (const id of g) for (const d of nodes.find((x) => x.id === id)!.dependsOn) expect(g).not.toContain(d);
        }
        // No node starts before each of its dependencies ended successfully (or was journaled).
        const endedOk = new Set<string>(doneSet);
        for (const e of c.log) {
          if (e.at === 'end' && !failSet.has(e.id)) endedOk.add(e.id);
          if (e.at === 'start') {
            const node = nodes.find((x) => x.id === e.id)!;
            for (const d of node.dependsOn) expect(endedOk.has(d)).toBe(true);
          }
        }
        // Downstream of a failure never starts; everything else starts exactly once.
        const downstream = new Set<string>();
        const actuallyFailed = new Set(result.failed.map((f) => f.id));
        let grew = true;
        while (grew) {
          grew = false;
          for (const node of nodes) {
            if (downstream.has(node.id) || doneSet.has(node.id)) continue;
            if (node.dependsOn.some((d) => actuallyFailed.has(d) || downstream.has(d))) {
              downstream.add(node.id);
              grew = true;
            }
          }
        }
        for (const id of ids) {
          if (doneSet.has(id)) continue;
          expect(started.includes(id)).toBe(!downstream.has(id));
        }
        expect(new Set(result.notStarted.map((x) => x.id))).toEqual(downstream);
        for (const x of result.notStarted) {
          expect(x.reason.kind).toBe('dependency-failed');
          if (x.reason.kind === 'dependency-failed') expect(actuallyFailed.has(x.reason.failed)).toBe(true);
        }
        // Every started node that was meant to fail failed; the others succeeded.
        expect(actuallyFailed).toEqual(new Set(started.filter((id) => failSet.has(id))));
        expect(new Set(result.succeeded.map((s) => s.id))).toEqual(new Set(started.filter((id) => !failSet.has(id))));
      }),
      { numRuns: 300 },
    );
  });
});
