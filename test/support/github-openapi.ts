/**
 * GitHub's own description of its REST API (`@octokit/openapi`, the api.github.com document), for
 * the GitHub stand-in (github-server.ts): every request that reaches the stand-in is routed as
 * GitHub routes it (method + path template) and its path parameters, query parameters and JSON
 * body are validated with ajv against the operation's schemas; every answer the stand-in gives
 * for an operation it serves is validated against the operation's response schema. So the
 * stand-in never accepts what GitHub refuses, and never answers what GitHub would not.
 *
 * The document is 13 MB of JSON (over a second to parse). A test process parses it at most once,
 * and only on a cold cache: the operations the stand-in serves and the components they reference
 * are written to node_modules/.cache/connectorops/, keyed by the package's version and the list
 * of operations, and that small file is what later processes read.
 *
 * OpenAPI 3.0 is not JSON Schema: `nullable: true` is rewritten to `anyOf: [{type: 'null'}, …]`
 * (which also covers `nullable` next to `enum`, `oneOf` or `$ref`, where ajv's own support stops),
 * and the description's documentation keywords (`example`, `x-github`, …) are ignored.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

/** The operations the stand-in serves (octokit's names), with the resource GitHub names in a 422. */
const SERVED = {
  'issues/list-comments': 'IssueComment',
  'issues/create-comment': 'IssueComment',
  'issues/update-comment': 'IssueComment',
  'issues/delete-comment': 'IssueComment',
  'issues/list-for-repo': 'Issue',
  'issues/get': 'Issue',
  'issues/create': 'Issue',
  'issues/update': 'Issue',
  'repos/get-collaborator-permission-level': 'Repository',
} as const;
export type ServedOperation = keyof typeof SERVED;

/** Bump when the cached subset's shape changes. */
const CACHE_FORMAT = 1;
const DOC_ID = 'https://api.github.com/openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface OperationSchemas {
  method: string;
  template: string;
  path: JsonObject;
  query: JsonObject;
  /** Absent: the operation takes no body. */
  body?: { required: boolean; schema: Json };
  /** Per status (2xx only), the JSON answer's schema; null for an answer without a body. */
  responses: Record<string, Json>;
}

/** What is cached: routing for every path of the description, schemas for the served operations. */
interface Subset {
  version: string;
  /** Every path template with its operations (method → operationId). */
  routes: [string, Record<string, string>][];
  operations: Record<string, OperationSchemas>;
  components: JsonObject;
}

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The object a `#/components/…` reference names, or the value itself when it is no reference. */
function deref(spec: JsonObject, value: Json | undefined): Json | undefined {
  if (!isObject(value) || typeof value.$ref !== 'string') return value;
  let at: Json | undefined = spec;
  for (const part of value.$ref.replace(/^#\//, '').split('/')) at = isObject(at) ? at[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return deref(spec, at);
}

/** `nullable` (OpenAPI 3.0) as JSON Schema, everywhere in `value`. */
function fromOpenApi(value: Json): Json {
  if (Array.isArray(value)) return value.map(fromOpenApi);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) if (key !== 'nullable' || item !== true) out[key] = fromOpenApi(item);
  return value.nullable === true ? { anyOf: [{ type: 'null' }, out] } : out;
}

function referenced(value: Json, into: Set<string>): void {
  if (Array.isArray(value)) for (const item of value) referenced(item, into);
  else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') into.add(item);
      else if (key !== 'examples') referenced(item, into);
    }
  }
}

function extract(spec: JsonObject, version: string): Subset {
  const paths = spec.paths as Record<string, JsonObject>;
  const routes: Subset['routes'] = [];
  const operations: Record<string, OperationSchemas> = {};
  for (const [template, item] of Object.entries(paths)) {
    const methods: Record<string, string> = {};
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op) || typeof op.operationId !== 'string') continue;
      methods[method.toUpperCase()] = op.operationId;
      if (!(op.operationId in SERVED)) continue;
      const parameters = [...((item.parameters as Json[] | undefined) ?? []), ...((op.parameters as Json[] | undefined) ?? [])].map((p) => deref(spec, p) as JsonObject);
      const group = (where: string): JsonObject => {
        const these = parameters.filter((p) => p.in === where);
        return {
          type: 'object',
          properties: Object.fromEntries(these.map((p) => [p.name as string, p.schema ?? {}])),
          required: these.filter((p) => p.required === true).map((p) => p.name as string),
        };
      };
      const requestBody = deref(spec, op.requestBody) as JsonObject | undefined;
      const bodySchema = requestBody ? (((requestBody.content as JsonObject)['application/json'] as JsonObject | undefined)?.schema ?? {}) : undefined;
      const responses: Record<string, Json> = {};
      for (const [status, answer] of Object.entries(op.responses as JsonObject)) {
        if (!/^2\d\d$/.test(status)) continue;
        const content = (deref(spec, answer) as JsonObject).content as JsonObject | undefined;
        responses[status] = (content?.['application/json'] as JsonObject | undefined)?.schema ?? null;
      }
      operations[op.operationId] = {
        method: method.toUpperCase(),
        template,
        path: group('path'),
        query: group('query'),
        ...(bodySchema === undefined ? {} : { body: { required: requestBody!.required === true, schema: bodySchema } }),
        responses,
      };
    }
    routes.push([template, methods]);
  }
  const missing = Object.keys(SERVED).filter((id) => !operations[id]);
  if (missing.length) throw new Error(`@octokit/openapi ${version} describes no operation ${missing.join(', ')}`);

  // The components those operations reference, and the components those reference, and so on.
  const components: Record<string, JsonObject> = {};
  const pending = new Set<string>();
  referenced(operations as unknown as Json, pending);
  for (const ref of pending) {
    const [, kind, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(ref) ?? [];
    if (!kind || !name || components[kind]?.[name] !== undefined) continue;
    const value = deref(spec, { $ref: ref });
    if (value === undefined) throw new Error(`@octokit/openapi ${version}: ${ref} is not in the description`);
    (components[kind] ??= {})[name] = value;
    referenced(value, pending);
  }
  return {
    version,
    routes,
    operations: fromOpenApi(operations as unknown as Json) as unknown as Record<string, OperationSchemas>,
    components: fromOpenApi(components) as JsonObject,
  };
}

function loadSubset(): Subset {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@octokit/openapi/package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const key = createHash('sha256')
    .update(JSON.stringify([CACHE_FORMAT, version, SERVED]))
    .digest('hex')
    .slice(0, 16);
  const cacheDir = join(dirname(manifest), '../../.cache/connectorops');
  const cache = join(cacheDir, `github-openapi-${key}.json`);
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as Subset;
  const spec = JSON.parse(readFileSync(join(dirname(manifest), 'generated/api.github.com.json'), 'utf8')) as JsonObject;
  const subset = extract(spec, version);
  // Test files run in parallel processes: write aside, then rename (atomic), so none reads half a file.
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${cache}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(subset));
  renameSync(partial, cache);
  return subset;
}

/** A GitHub-style 422 item for one ajv error. */
interface ValidationError {
  resource: string;
  field: string;
  code: 'missing_field' | 'invalid';
  message: string;
}

export type RequestCheck =
  | { ok: true; operation: ServedOperation }
  /** 404: no such route (or a path parameter no route takes); 422: what GitHub says is wrong. */
  | { ok: false; status: 404; problem: string }
  | { ok: false; status: 422; operation: ServedOperation; errors: ValidationError[] };

interface Route {
  template: string;
  pattern: RegExp;
  names: string[];
  /** Literal segments before the first parameter, then all literal segments: the more specific route wins. */
  rank: number[];
  methods: Record<string, string>;
}

function toRoute([template, methods]: [string, Record<string, string>]): Route {
  const segments = template.split('/').slice(1);
  const names: string[] = [];
  const pattern = segments
    .map((segment) => {
      const name = /^\{(.+)\}$/.exec(segment)?.[1];
      if (name) names.push(name);
      return name ? '([^/]+)' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const literal = segments.map((s) => !s.startsWith('{'));
  return {
    template,
    pattern: new RegExp(`^/${pattern}$`),
    names,
    rank: [literal.indexOf(false) < 0 ? segments.length : literal.indexOf(false), literal.filter(Boolean).length],
    methods,
  };
}

const where = (error: ErrorObject): string => {
  const path = error.instancePath.split('/').slice(1).join('.');
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  return missing ? (path ? `${path}.${missing}` : missing) : path;
};

/** The description, loaded once per process. */
export class GitHubDescription {
  private static loaded: GitHubDescription | undefined;
  private readonly routes: Route[];
  private readonly checks = new Map<string, ValidateFunction>();

  private constructor(
    private readonly subset: Subset,
    /** Parameters arrive as text: coerced to the schema's types, as GitHub reads them. */
    private readonly params: Ajv,
    /** Bodies and answers are JSON: types must match as they are. */
    private readonly json: Ajv,
    /** The stand-in's answers: the first problem is enough, and compiles in a fraction of the time. */
    private readonly answers: Ajv,
  ) {
    this.routes = subset.routes.map(toRoute);
  }

  static load(): GitHubDescription {
    if (this.loaded) return this.loaded;
    const subset = loadSubset();
    const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;
    const make = (coerceTypes: boolean, allErrors = true) => {
      // strict: false ignores the description's documentation keywords (example, x-github, …).
      const ajv = new Ajv({ strict: false, allErrors, coerceTypes, inlineRefs: false });
      addFormats(ajv);
      ajv.addSchema({ $id: DOC_ID, components: subset.components, operations: subset.operations });
      return ajv;
    };
    return (this.loaded = new GitHubDescription(subset, make(true), make(false), make(false, false)));
  }

  get version(): string {
    return this.subset.version;
  }

  /** Routes `method path` as GitHub does and validates its parameters and body against the operation. */
  checkRequest(method: string, url: URL, body: unknown): RequestCheck {
    const matches = this.routes
      .map((route) => ({ route, match: route.pattern.exec(url.pathname) }))
      .filter((m): m is { route: Route; match: RegExpExecArray } => m.match !== null)
      .sort((a, b) => b.route.rank[0]! - a.route.rank[0]! || b.route.rank[1]! - a.route.rank[1]!);
    const found = matches[0];
    const operationId = found?.route.methods[method];
    if (!found || !operationId) return { ok: false, status: 404, problem: `GitHub has no route ${method} ${url.pathname}` };
    if (!(operationId in SERVED)) return { ok: false, status: 404, problem: `the stand-in does not serve ${operationId} (${method} ${found.route.template}): add it` };
    const operation = operationId as ServedOperation;
    const pointer = `${DOC_ID}#/operations/${operation.replace(/~/g, '~0').replace(/\//g, '~1')}`;

    const path = Object.fromEntries(found.route.names.map((name, i) => [name, decodeURIComponent(found.match[i + 1]!)]));
    if (!this.check(this.params, `${pointer}/path`, path)) {
      return { ok: false, status: 404, problem: `${method} ${url.pathname}: ${this.describe(this.params, `${pointer}/path`)}` };
    }
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    const errors: ErrorObject[] = [];
    if (!this.check(this.params, `${pointer}/query`, query)) errors.push(...this.errors(this.params, `${pointer}/query`));
    const spec = this.subset.operations[operation]!;
    if (spec.body && (body !== undefined || spec.body.required) && !this.check(this.json, `${pointer}/body/schema`, body)) {
      errors.push(...this.errors(this.json, `${pointer}/body/schema`));
    }
    if (!errors.length) return { ok: true, operation };
    const resource = SERVED[operation];
    const items = errors.map((e): ValidationError => ({
      resource,
      field: where(e),
      code: e.keyword === 'required' ? 'missing_field' : 'invalid',
      message: e.keyword === 'required' ? `${where(e)} wasn't supplied` : `${where(e) || 'body'} ${e.message ?? 'is invalid'}`,
    }));
    // oneOf/anyOf report each branch: one item per field and code is what GitHub lists.
    const unique = [...new Map(items.map((i) => [`${i.field} ${i.code}`, i])).values()];
    return { ok: false, status: 422, operation, errors: unique };
  }

  /** What is wrong with the stand-in's own answer, by the description (empty: nothing). */
  checkResponse(operation: ServedOperation, status: number, body: unknown): string[] {
    const schemas = this.subset.operations[operation]!.responses;
    if (status < 200 || status > 299) return [];
    if (!(String(status) in schemas)) return [`${operation} never answers ${status}`];
    if (schemas[String(status)] === null) return body === undefined ? [] : [`${operation} ${status} has no body`];
    const pointer = `${DOC_ID}#/operations/${operation.replace(/\//g, '~1')}/responses/${status}`;
    if (this.check(this.answers, pointer, body)) return [];
    return this.errors(this.answers, pointer).map((e) => `${operation} ${status}: ${e.instancePath || 'body'} ${e.message ?? ''}`.trim());
  }

  private validator(ajv: Ajv, pointer: string): ValidateFunction {
    const key = `${[this.params, this.json, this.answers].indexOf(ajv)} ${pointer}`;
    let validate = this.checks.get(key);
    if (!validate) this.checks.set(key, (validate = ajv.compile({ $ref: pointer })));
    return validate;
  }

  private check(ajv: Ajv, pointer: string, data: unknown): boolean {
    return this.validator(ajv, pointer)(data);
  }

  private errors(ajv: Ajv, pointer: string): ErrorObject[] {
    return this.validator(ajv, pointer).errors ?? [];
  }

  private describe(ajv: Ajv, pointer: string): string {
    return this.errors(ajv, pointer)
      .map((e) => `${where(e)} ${e.message ?? ''}`.trim())
      .join('; ');
  }
}
