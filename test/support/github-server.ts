/**
 * A stand-in for GitHub's REST API on 127.0.0.1 (port 0), just the operations our code calls
 * (octokit's names; github-openapi.ts lists them):
 *
 *   GET    /repos/:owner/:repo/issues/:number/comments   issues/list-comments: per_page (≤ 100, default 30), page, Link
 *   POST   /repos/:owner/:repo/issues/:number/comments   issues/create-comment: {body} → 201
 *   PATCH  /repos/:owner/:repo/issues/comments/:id       issues/update-comment: {body} → 200
 *   DELETE /repos/:owner/:repo/issues/comments/:id       issues/delete-comment: → 204
 *   GET    /repos/:owner/:repo/issues                     issues/list-for-repo: labels, state (open by default)
 *   POST   /repos/:owner/:repo/issues                     issues/create: {title, body, labels} → 201
 *   GET    /repos/:owner/:repo/issues/:number             issues/get
 *   PATCH  /repos/:owner/:repo/issues/:number             issues/update: {title, body, state} → 200
 *   GET    /repos/:owner/:repo/collaborators/:login/permission   repos/get-collaborator-permission-level; 404 if none
 *
 * Every request is first checked against GitHub's own OpenAPI description (`@octokit/openapi`,
 * github-openapi.ts): a route GitHub does not have (or an operation the stand-in does not serve)
 * is answered 404, a path parameter of the wrong type 404, a query parameter or JSON body that
 * the operation's schema refuses 422 "Validation Failed" with GitHub's `errors` list, a body that
 * is not JSON 400. Each such refusal is recorded in `refused`, and the stand-in's own answers for
 * the operations it serves are checked against the description's response schemas (problems in
 * `unlikeGitHub`). `close()` fails when either list is not empty, so every test that uses the
 * stand-in asserts that our code sent nothing GitHub would refuse; a test that sends such a
 * request on purpose takes the refusals with `takeRefused()`.
 *
 * Past that check it keeps issues and comments in memory, answers 401 without a known
 * `token …` / `bearer …` authorization, 404 for an unknown repository, pull request or comment,
 * 403 for a token that may not write or for editing someone else's comment, 422 for a body over
 * 65,536 characters (a limit the description does not state), and records every request (method,
 * path with query, parsed body) so that tests assert the exact sequence of calls. Faults are
 * queued: the next matching (valid) request gets the fault's answer instead, unchecked.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitHubDescription, type ServedOperation } from './github-openapi.js';

/**
 * A loopback server that answers every request with `answer` (by default, never), and records
 * what reached it: the "other origin" that must receive nothing, or a GitHub that hangs.
 */
export class Bystander {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly requests: { method: string; path: string; authorization: string | undefined }[],
  ) {}

  static async start(answer?: (res: ServerResponse) => void): Promise<Bystander> {
    const requests: Bystander['requests'] = [];
    const server = createServer((req, res) => {
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', authorization: req.headers.authorization });
      answer?.(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new Bystander(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface StandInUser {
  login: string;
  id: number;
  type: 'User' | 'Bot';
  /** GitHub's `author_association` on the stand-in's repositories (default `NONE`: a bot, or anyone who may only comment). */
  association?: 'OWNER' | 'MEMBER' | 'COLLABORATOR' | 'CONTRIBUTOR' | 'NONE';
}

export const ACTIONS_BOT: StandInUser = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };
export const OTHER_BOT: StandInUser = { login: 'dependabot[bot]', id: 49699333, type: 'Bot' };
export const ALICE: StandInUser = { login: 'alice', id: 1001, type: 'User' };

export interface StoredComment {
  id: number;
  repo: string;
  number: number;
  body: string;
  user: StandInUser;
}

export interface StoredIssue {
  repo: string;
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  /** Who opened it. */
  user: StandInUser;
}

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** The parsed JSON body, if any. */
  body: unknown;
  /** The Authorization header, verbatim (tests check the token is sent, and only there). */
  authorization: string | undefined;
}

/** A request GitHub would refuse (our code's defect) and how the stand-in answered it. */
export interface Refusal {
  method: string;
  path: string;
  status: number;
  problems: string[];
}

export interface Fault {
  method?: string;
  /** Matched against the path without its query. */
  path?: RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** A body sent as it is, with its own content type, instead of `body` as JSON. */
  raw?: { contentType: string; text: string };
  /** How many matching requests get it (default 1). */
  times?: number;
}

const MAX_BODY = 65_536;

export class GitHubStandIn {
  readonly requests: RecordedRequest[] = [];
  /** Requests GitHub would refuse, by its OpenAPI description: none, unless a test sends one on purpose. */
  readonly refused: Refusal[] = [];
  /** The stand-in's own answers that GitHub's description does not allow: always none. */
  readonly unlikeGitHub: string[] = [];
  private readonly github = GitHubDescription.load();
  private readonly tokens = new Map<string, { user: StandInUser; write: boolean }>();
  private readonly pulls = new Set<string>();
  private readonly store: StoredComment[] = [];
  private readonly issueStore: StoredIssue[] = [];
  private readonly permissions = new Map<string, { permission: string; role_name: string; user: StandInUser }>();
  private nextIssue = 1;
  private readonly faults: (Fault & { left: number })[] = [];
  private nextId = 1000;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<GitHubStandIn> {
    let standIn: GitHubStandIn | undefined;
    const server = createServer((req, res) => {
      // A stand-in that throws would leave the request hanging until the client's timeout: say so instead.
      standIn!.handle(req, res).catch((error: unknown) => {
        standIn!.unlikeGitHub.push(`${req.method} ${req.url}: the stand-in failed: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    standIn = new GitHubStandIn(server, `http://127.0.0.1:${port}`);
    return standIn;
  }

  /** Closes the server; fails when a request GitHub would refuse came in, or the stand-in answered unlike GitHub. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    const problems = [
      ...this.refused.map((r) => `GitHub would refuse ${r.method} ${r.path} (HTTP ${r.status}): ${r.problems.join('; ')}`),
      ...this.unlikeGitHub.map((p) => `the stand-in answered unlike GitHub: ${p}`),
    ];
    if (problems.length) throw new Error(`GitHub stand-in (@octokit/openapi ${this.github.version}):\n${problems.join('\n')}`);
  }

  /** The refusals so far, forgotten (a test that sends a request GitHub refuses, on purpose). */
  takeRefused(): Refusal[] {
    return this.refused.splice(0);
  }

  /** A token the stand-in accepts, acting as `user`. */
  addToken(token: string, user: StandInUser, options: { write?: boolean } = {}): this {
    this.tokens.set(token, { user, write: options.write ?? true });
    return this;
  }

  addPullRequest(repo: string, number: number): this {
    this.pulls.add(`${repo}#${number}`);
    return this;
  }

  /** A comment already on the pull request (written by someone, before the test). */
  seed(repo: string, number: number, user: StandInUser, body: string): StoredComment {
    const comment = { id: this.nextId++, repo, number, body, user };
    this.store.push(comment);
    return comment;
  }

  /** An issue someone opened before the test (a reader copying a marker, say). */
  seedIssue(repo: string, user: StandInUser, fields: { title: string; body: string; labels: string[] }): StoredIssue {
    const issue: StoredIssue = { repo, number: this.nextIssue++, state: 'open', user, ...fields };
    this.issueStore.push(issue);
    this.pulls.add(`${repo}#${issue.number}`);
    return issue;
  }

  /** The pull request's comments, oldest first. */
  comments(repo: string, number: number): StoredComment[] {
    return this.store.filter((c) => c.repo === repo && c.number === number);
  }

  /** An issue of the repository, oldest first. */
  issues(repo: string): StoredIssue[] {
    return this.issueStore.filter((i) => i.repo === repo);
  }

  /** A person edits the issue body in the web UI (ticks a box, say). */
  editIssue(repo: string, number: number, edit: (body: string) => string): void {
    const issue = this.issueStore.find((i) => i.repo === repo && i.number === number)!;
    issue.body = edit(issue.body);
  }

  /** `login`'s permission on every repository: admin, maintain, write, triage, read (GitHub's role names). */
  setPermission(login: string, role: 'admin' | 'maintain' | 'write' | 'triage' | 'read'): this {
    const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
    this.permissions.set(login, { permission, role_name: role, user: { login, id: 2000 + this.permissions.size, type: 'User' } });
    return this;
  }

  fail(fault: Fault): this {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
    return this;
  }

  /** GitHub's secondary rate limit answer (403, "secondary rate limit", Retry-After). */
  secondaryRateLimit(method: string, path?: RegExp, retryAfter = '0'): this {
    return this.fail({
      method,
      ...(path ? { path } : {}),
      status: 403,
      headers: { 'retry-after': retryAfter },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
    });
  }

  /** `METHOD /path` of every request, in order: what tests compare. */
  calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  /** Forgets the recorded requests (after setting a scene through the API). */
  clearRequests(): void {
    this.requests.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    let parsed = true;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
      parsed = false;
    }
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const path = url.pathname + url.search;
    this.requests.push({ method, path, body, authorization: req.headers.authorization });

    let operation: ServedOperation | undefined;
    const send = (status: number, data?: unknown, headers: Record<string, string> = {}) => {
      if (operation) this.unlikeGitHub.push(...this.github.checkResponse(operation, status, data));
      res.writeHead(status, {
        'x-github-request-id': `STANDIN:${this.requests.length}`,
        ...(data === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
        ...headers,
      });
      res.end(data === undefined ? undefined : JSON.stringify(data));
    };

    // What GitHub refuses, it refuses whoever asks: checked before faults and credentials.
    if (!parsed) {
      this.refused.push({ method, path, status: 400, problems: ['the body is not JSON'] });
      return send(400, { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/rest', status: '400' });
    }
    const check = this.github.checkRequest(method, url, body);
    if (!check.ok) {
      this.refused.push({ method, path, status: check.status, problems: check.status === 422 ? check.errors.map((e) => e.message) : [check.problem] });
      if (check.status === 404) return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
      return send(422, { message: 'Validation Failed', errors: check.errors, documentation_url: 'https://docs.github.com/rest', status: '422' });
    }

    const fault = this.faults.find((f) => f.left > 0 && (!f.method || f.method === method) && (!f.path || f.path.test(url.pathname)));
    if (fault) {
      fault.left--;
      if (fault.raw) {
        res.writeHead(fault.status, { 'content-type': fault.raw.contentType, ...fault.headers });
        res.end(fault.raw.text);
        return;
      }
      send(fault.status, fault.body ?? { message: `stand-in fault ${fault.status}` }, fault.headers);
      return;
    }
    // From here on the stand-in answers as itself: its answers must be GitHub's.
    operation = check.operation;

    const auth = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '');
    const who = auth ? this.tokens.get(auth[1]!) : undefined;
    if (!who) {
      send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
      return;
    }

    const notFound = () => send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    const issueList = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(url.pathname);
    const issueOne = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(url.pathname);
    const permission = /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/.exec(url.pathname);
    const forbidden = () => send(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' });

    if (permission) {
      const p = this.permissions.get(decodeURIComponent(permission[3]!));
      if (!p) return send(404, { message: `${permission[3]} is not a user`, documentation_url: 'https://docs.github.com/rest', status: '404' });
      return send(200, { permission: p.permission, role_name: p.role_name, user: { ...this.userJson(p.user), role_name: p.role_name } });
    }
    if (issueList) {
      const repo = `${issueList[1]}/${issueList[2]}`;
      if (method === 'GET') {
        const labels = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean);
        const state = url.searchParams.get('state') ?? 'open';
        const found = this.issues(repo).filter((i) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l)));
        return send(
          200,
          found.reverse().map((i) => this.issueJson(i)),
        );
      }
      if (method === 'POST') {
        if (!who.write) return forbidden();
        // The description has checked the shape: title a string or number, labels names or {name}.
        const b = body as { title: string | number; body?: string | null; labels?: (string | { name?: string })[] };
        if ((b.body ?? '').length > MAX_BODY) return send(422, tooLong());
        const issue: StoredIssue = {
          repo,
          number: this.nextIssue++,
          title: String(b.title),
          body: b.body ?? '',
          state: 'open',
          labels: (b.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
          user: who.user,
        };
        this.issueStore.push(issue);
        this.pulls.add(`${repo}#${issue.number}`);
        return send(201, this.issueJson(issue));
      }
      return notFound();
    }
    if (issueOne) {
      const repo = `${issueOne[1]}/${issueOne[2]}`;
      const issue = this.issues(repo).find((i) => i.number === Number(issueOne[3]));
      if (!issue) return notFound();
      if (method === 'GET') return send(200, this.issueJson(issue));
      if (method === 'PATCH') {
        if (!who.write) return forbidden();
        const b = (body ?? {}) as { title?: string | number | null; body?: string | null; state?: 'open' | 'closed' };
        if ((b.body ?? '').length > MAX_BODY) return send(422, tooLong());
        if (b.title !== undefined && b.title !== null) issue.title = String(b.title);
        if (b.body !== undefined) issue.body = b.body ?? '';
        if (b.state) issue.state = b.state;
        return send(200, this.issueJson(issue));
      }
      return notFound();
    }

    if (list) {
      const repo = `${list[1]}/${list[2]}`;
      const number = Number(list[3]);
      if (!this.pulls.has(`${repo}#${number}`)) return notFound();
      if (method === 'GET') {
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30) || 30, 100);
        const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
        const all = this.comments(repo, number);
        const pages = Math.max(Math.ceil(all.length / perPage), 1);
        const link = (p: number, rel: string) => {
          const u = new URL(url.pathname, url);
          u.searchParams.set('per_page', String(perPage));
          u.searchParams.set('page', String(p));
          return `<${u.href}>; rel="${rel}"`;
        };
        const links: string[] = [];
        if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
        if (page < pages) links.push(link(page + 1, 'next'), link(pages, 'last'));
        const slice = all.slice((page - 1) * perPage, page * perPage);
        return send(
          200,
          slice.map((c) => this.json(c)),
          links.length ? { link: links.join(', ') } : {},
        );
      }
      if (method === 'POST') {
        if (!who.write) return forbidden();
        const text = (body as { body: string }).body;
        if (text.length > MAX_BODY) return send(422, tooLong());
        const comment = { id: this.nextId++, repo, number, body: text, user: who.user };
        this.store.push(comment);
        return send(201, this.json(comment));
      }
      return notFound();
    }

    if (one) {
      const repo = `${one[1]}/${one[2]}`;
      const comment = this.store.find((c) => c.id === Number(one[3]) && c.repo === repo);
      if (!comment) return notFound();
      if (method === 'PATCH' || method === 'DELETE') {
        if (!who.write || comment.user.login !== who.user.login) return forbidden();
        if (method === 'DELETE') {
          this.store.splice(this.store.indexOf(comment), 1);
          return send(204);
        }
        const text = (body as { body: string }).body;
        if (text.length > MAX_BODY) return send(422, tooLong());
        comment.body = text;
        return send(200, this.json(comment));
      }
      return notFound();
    }
    notFound();
  }

  /** An issue as GitHub answers it (the `issue` schema's required fields, and the body). */
  private issueJson(i: StoredIssue) {
    const [owner, repo] = i.repo.split('/');
    const api = `${this.url}/repos/${owner}/${repo}`;
    return {
      id: 50_000 + i.number,
      node_id: `I_${i.number}`,
      url: `${api}/issues/${i.number}`,
      repository_url: api,
      labels_url: `${api}/issues/${i.number}/labels{/name}`,
      comments_url: `${api}/issues/${i.number}/comments`,
      events_url: `${api}/issues/${i.number}/events`,
      html_url: `https://github.com/${owner}/${repo}/issues/${i.number}`,
      number: i.number,
      state: i.state,
      title: i.title,
      body: i.body,
      user: this.userJson(i.user),
      labels: i.labels.map((name, n) => ({
        id: 70_000 + n,
        node_id: `LA_${n}`,
        url: `${api}/labels/${encodeURIComponent(name)}`,
        name,
        description: null,
        color: 'ededed',
        default: false,
      })),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      comments: this.comments(i.repo, i.number).length,
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      closed_at: i.state === 'closed' ? '2024-01-02T00:00:00Z' : null,
      author_association: i.user.association ?? 'NONE',
    };
  }

  /** A comment as GitHub answers it (the `issue-comment` schema). */
  private json(c: StoredComment) {
    const [owner, repo] = c.repo.split('/');
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${this.url}/repos/${owner}/${repo}/issues/comments/${c.id}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${c.number}#issuecomment-${c.id}`,
      issue_url: `${this.url}/repos/${owner}/${repo}/issues/${c.number}`,
      body: c.body,
      user: this.userJson(c.user),
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      author_association: c.user.association ?? 'NONE',
    };
  }

  /** A user as GitHub answers it (the `simple-user` schema). */
  private userJson(u: StandInUser) {
    const login = encodeURIComponent(u.login);
    const api = `${this.url}/users/${login}`;
    return {
      login: u.login,
      id: u.id,
      node_id: `U_${u.id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: `https://github.com/${login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: u.type,
      site_admin: false,
    };
  }
}

function tooLong() {
  return {
    message: 'Validation Failed',
    errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }],
    documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
  };
}
