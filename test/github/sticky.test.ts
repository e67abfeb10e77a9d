/**
 * `decideSticky`, the pure half of the sticky comment: which comment is ours, when to write, and
 * which duplicates go. The calls it leads to are asserted against the stand-in in thread.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideSticky, isMarked, stickyMarker } from '../../src/github/sticky.js';
import type { CommentAuthor, IssueComment } from '../../src/github/thread.js';

const BOT: CommentAuthor = { login: 'github-actions[bot]', type: 'Bot' };
const OTHER_BOT: CommentAuthor = { login: 'dependabot[bot]', type: 'Bot' };
const ALICE: CommentAuthor = { login: 'alice', type: 'User' };
const M = stickyMarker('production');

let nextId = 1;
const comment = (user: CommentAuthor | null, body: string, id = nextId++, association = 'COLLABORATOR'): IssueComment => ({
  id,
  body,
  user,
  association,
  htmlUrl: `https://github.com/acme/infra/pull/7#issuecomment-${id}`,
});

describe('stickyMarker', () => {
  it('is one hidden line per target that cannot end early', () => {
    expect(M).toBe('<!-- connectorops:plan target=production -->');
    const hostile = stickyMarker('local:/tmp/x --> <img src=x>\n');
    expect(hostile.match(/-->/g)).toHaveLength(1);
    expect(hostile.slice(4, -3)).not.toMatch(/[<>\n]/);
  });

  it('tells targets apart, even when one name starts with the other', () => {
    const prod = comment(BOT, `${stickyMarker('prod')}\nbody`);
    expect(isMarked(prod, stickyMarker('prod'))).toBe(true);
    expect(isMarked(prod, stickyMarker('production'))).toBe(false);
    expect(isMarked(comment(BOT, `${stickyMarker('production')}\nbody`), stickyMarker('prod'))).toBe(false);
  });

  it('is ours only on the first line: a quote or a mention of it is not', () => {
    expect(isMarked(comment(ALICE, `> ${M}\n> quoted`), M)).toBe(false);
    expect(isMarked(comment(ALICE, `see ${M}`), M)).toBe(false);
    expect(isMarked(comment(BOT, `${M}\r\nCRLF from an edit in the web UI`), M)).toBe(true);
  });
});

describe('decideSticky', () => {
  it('creates when no comment is ours', () => {
    const d = decideSticky([comment(ALICE, 'LGTM'), comment(OTHER_BOT, 'Bumps yaml')], M, `${M}\nplan`);
    expect(d).toEqual({ kind: 'create', remove: [] });
  });

  it('updates ours when the body changed, and leaves it when it did not (line ends and trailing space aside)', () => {
    const ours = comment(BOT, `${M}\nold plan`);
    expect(decideSticky([ours], M, `${M}\nnew plan`)).toEqual({ kind: 'update', comment: ours, remove: [] });
    expect(decideSticky([ours], M, `${M}\nold plan\n`)).toEqual({ kind: 'unchanged', comment: ours, remove: [] });
    const crlf = comment(BOT, `${M}\r\nold plan\r\n`);
    expect(decideSticky([crlf], M, `${M}\nold plan\n`).kind).toBe('unchanged');
  });

  it("prefers a bot's comment to a person's who pasted our body", () => {
    const ours = comment(BOT, `${M}\nplan`);
    const pasted = comment(ALICE, `${M}\npasted later`);
    const d = decideSticky([ours, pasted], M, `${M}\nplan 2`);
    expect(d).toEqual({ kind: 'update', comment: ours, remove: [] });
  });

  it("takes a person's comment when there is no bot's (a personal token)", () => {
    const ours = comment(ALICE, `${M}\nplan`);
    expect(decideSticky([ours], M, `${M}\nplan 2`)).toEqual({ kind: 'update', comment: ours, remove: [] });
  });

  it("never takes a comment of someone who may not write to the repository: a reader's pasted marker is not ours", () => {
    for (const association of ['NONE', 'CONTRIBUTOR', 'FIRST_TIME_CONTRIBUTOR', 'FIRST_TIMER', 'MANNEQUIN']) {
      const reader = comment({ login: 'mallory', type: 'User' }, `${M}\nNo changes: approve`, undefined, association);
      expect(decideSticky([reader], M, `${M}\nplan`), association).toEqual({ kind: 'create', remove: [] });
    }
    for (const association of ['OWNER', 'MEMBER', 'COLLABORATOR']) {
      const writer = comment(ALICE, `${M}\nplan`, undefined, association);
      expect(decideSticky([writer], M, `${M}\nplan 2`), association).toEqual({ kind: 'update', comment: writer, remove: [] });
    }
  });

  it('keeps the newest and removes older duplicates by the same author only', () => {
    const old1 = comment(BOT, `${M}\nplan 1`, 10);
    const other = comment(OTHER_BOT, `${M}\nsomeone else's`, 11);
    const old2 = comment(BOT, `${M}\nplan 2`, 12);
    const newest = comment(BOT, `${M}\nplan 3`, 13);
    const d = decideSticky([old2, newest, other, old1], M, `${M}\nplan 3`);
    expect(d).toEqual({ kind: 'unchanged', comment: newest, remove: [old1, old2] });
  });

  it('deletes nothing it cannot attribute', () => {
    const ghost1 = comment(null, `${M}\nplan`, 20);
    const ghost2 = comment(null, `${M}\nplan`, 21);
    const d = decideSticky([ghost1, ghost2], M, `${M}\nplan 2`);
    expect(d.kind).toBe('update');
    expect(d.remove).toEqual([]);
  });
});

describe('decideSticky, properties', () => {
  const author = fc.constantFrom<CommentAuthor | null>(BOT, OTHER_BOT, ALICE, null);
  const markers = [M, stickyMarker('staging')];
  const body = fc.constantFrom(`${M}\nplan A`, `${M}\nplan B`, `${markers[1]}\nplan A`, 'LGTM', `> ${M}`);
  const thread = fc
    .uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 10_000 }), user: author, body, association: fc.constantFrom('COLLABORATOR', 'OWNER', 'NONE') }), {
      selector: (c) => c.id,
      maxLength: 12,
    })
    .map((cs) => cs.map((c) => comment(c.user, c.body, c.id, c.association)));

  it('touches only marked comments of one author, never the one it keeps, and keeps the newest of its pool', () => {
    fc.assert(
      fc.property(thread, fc.constantFrom(`${M}\nplan A`, `${M}\nplan C`), (comments, next) => {
        const d = decideSticky(comments, M, next);
        const marked = comments.filter((c) => isMarked(c, M));
        const pool = marked.some((c) => c.user?.type === 'Bot') ? marked.filter((c) => c.user?.type === 'Bot') : marked.filter((c) => c.association !== 'NONE');
        if (d.kind === 'create') {
          expect(pool).toEqual([]);
          expect(d.remove).toEqual([]);
          return;
        }
        expect(isMarked(d.comment, M)).toBe(true);
        expect(d.comment.id).toBe(Math.max(...pool.map((c) => c.id)));
        for (const r of d.remove) {
          expect(isMarked(r, M)).toBe(true);
          expect(r.id).toBeLessThan(d.comment.id);
          expect(r.user?.login).toBe(d.comment.user?.login);
          expect(r.user).not.toBeNull();
        }
        expect(d.kind === 'unchanged').toBe(d.comment.body === next);
      }),
    );
  });
});
