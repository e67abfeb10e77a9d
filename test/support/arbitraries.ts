/**
 * fast-check arbitraries for valid accounts: connectors of every authentication type and stage,
 * connections only under ready connectors, a disabled connector's connections disabled, scopes
 * a subset of the connector's, authorized or not, with usages. `checkState` holds for every one.
 */
import fc from 'fast-check';
import type {
  ApiKeyParameter,
  Authentication,
  Authorization,
  AuthorizationEnvironment,
  ConnectionRecord,
  ConnectorRecord,
  SecretName,
  State,
  Usage,
} from '../../src/model/types.js';
import { descriptionProblem, nameProblem } from '../../src/rules/index.js';

const linkName = fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/);
const name = fc.stringMatching(/^[A-Za-zÀ-ÿ0-9_][A-Za-z0-9 _*@\-/!:|&~+]{0,20}$/).filter((s) => nameProblem(s) === null);
const description = fc.oneof(
  fc.constant(''),
  fc.stringMatching(/^[A-Za-z0-9 ,.()\-_*@/!:|~&]{1,40}$/).filter((s) => descriptionProblem(s) === null),
);
const url = fc.webUrl({ withQueryParameters: false, withFragments: false });
const text = fc.stringMatching(/^[A-Za-z0-9.\-_]{1,16}$/);
const scope = fc.stringMatching(/^[a-z]{1,6}\.(read|write|all)$/);
const fingerprint = fc.oneof(
  fc.tuple(fc.stringMatching(/^[0-9a-f]{12}$/), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)).map(([k, m]) => `hmac-sha256:${k}:${m}`),
  fc.stringMatching(/^[A-Za-z0-9]{1,20}$/),
);
const opt = <T>(arb: fc.Arbitrary<T>, present: boolean) => (present ? arb.map((v): T | undefined => v) : fc.option(arb, { nil: undefined }));

function authentication(ready: boolean): fc.Arbitrary<Authentication> {
  const apiKeyParameter: fc.Arbitrary<ApiKeyParameter> = fc
    .record({
      parameterKey: text,
      displayName: fc.option(text, { nil: undefined }),
      addTo: fc.option(fc.constantFrom<'header' | 'query' | 'form'>('header', 'query', 'form'), { nil: undefined }),
    })
    .map(strip);
  return fc.oneof(
    fc.array(apiKeyParameter, { minLength: ready ? 1 : 0, maxLength: 3 }).map((parameters): Authentication => ({ type: 'apiKey', parameters })),
    fc.constant<Authentication>({ type: 'basic' }),
    fc
      .record({ consumerKey: opt(text, ready), requestTokenUrl: opt(url, ready), authorizeUrl: opt(url, ready), accessTokenUrl: opt(url, ready) })
      .map((a): Authentication => strip({ type: 'oauth1', ...a })),
    fc.constantFrom('authorization_code', 'client_credentials').chain((grantType) =>
      fc
        .record({
          grantType: ready ? fc.constant(grantType) : fc.option(fc.constant(grantType), { nil: undefined }),
          clientId: opt(text, ready),
          authorizeUrl: opt(url, ready && grantType === 'authorization_code'),
          accessTokenUrl: opt(url, ready),
          refreshTokenUrl: fc.option(url, { nil: undefined }),
          scopes: fc.uniqueArray(scope, { maxLength: 4 }),
          scopeSeparator: fc.constantFrom<',' | ' ' | '+'>(',', ' ', '+'),
          addTo: fc.option(fc.constantFrom<'header' | 'query'>('header', 'query'), { nil: undefined }),
        })
        .map((a): Authentication => strip({ type: 'oauth2', ...a })),
    ),
  );
}

const connector = (link: string): fc.Arbitrary<ConnectorRecord> =>
  fc.constantFrom('draft', 'ready').chain((stage) =>
    fc
      .record({ name, description, enabled: fc.boolean(), authentication: authentication(stage === 'ready'), fp: fc.option(fingerprint, { nil: undefined }) })
      .map(({ name, description, enabled, authentication, fp }): ConnectorRecord => {
        const secret: SecretName | undefined = authentication.type === 'oauth2' ? 'clientSecret' : authentication.type === 'oauth1' ? 'consumerSecret' : undefined;
        return {
          linkName: link,
          name,
          description,
          stage: stage,
          enabled,
          authentication,
          secretFingerprints: secret && fp !== undefined ? { [secret]: fp } : {},
        };
      }),
  );

const usage: fc.Arbitrary<Usage> = fc.record({
  app: text,
  component: fc.stringMatching(/^(workflow|page|form):[a-z_]{1,10}$/),
  kind: fc.constantFrom('deluge-invokeurl', 'datasource', 'page-panel', 'sms'),
});

/** A valid account with up to `maxConnectors` connectors and `maxConnections` connections. */
export function validState(maxConnectors = 6, maxConnections = 12): fc.Arbitrary<State> {
  return fc
    .uniqueArray(linkName, { maxLength: maxConnectors })
    .chain((names) => fc.tuple(...names.map(connector)))
    .chain((connectors) => {
      const ready = connectors.filter((c) => c.stage === 'ready');
      const connection: fc.Arbitrary<Omit<ConnectionRecord, 'linkName'> | null> = ready.length
        ? fc.constantFrom(...ready).chain((c) =>
            fc
              .record({
                name,
                enabled: c.enabled ? fc.boolean() : fc.constant(false),
                scopes: c.authentication.type === 'oauth2' ? fc.subarray(c.authentication.scopes) : fc.constant<string[]>([]),
                held: authorizationsArbitrary,
                usages: fc.array(usage, { maxLength: 2 }),
              })
              .map(({ held, ...r }) => ({ ...r, ...held, connector: c.linkName })),
          )
        : fc.constant(null);
      return fc.tuple(fc.constant(connectors), fc.uniqueArray(fc.tuple(linkName, connection), { maxLength: ready.length ? maxConnections : 0, selector: ([n]) => n }));
    })
    .map(([connectors, connections]) => {
      const s: State = { connectors: new Map(), connections: new Map() };
      for (const c of connectors) s.connectors.set(c.linkName, c);
      for (const [link, c] of connections) if (c) s.connections.set(link, { linkName: link, ...c });
      return s;
    });
}

/**
 * A connection's authorization settings and the authorizations they allow (R18): none or one
 * shared; any environments of a separate one; any users of a logged-in user connection.
 */
export const authorizationsArbitrary: fc.Arbitrary<Pick<ConnectionRecord, 'authorizationOwner' | 'sameAuthorizationForAllEnvironments' | 'authorizations'>> = fc
  .record({ owner: fc.constantFrom<'admin' | 'user'>('admin', 'user'), same: fc.boolean() })
  .chain(({ owner, same }) => {
    const environments = same
      ? fc.constant<AuthorizationEnvironment[]>(['all'])
      : fc.subarray<AuthorizationEnvironment>(['development', 'stage', 'production'], { minLength: 1 });
    const one = (environment: AuthorizationEnvironment) =>
      owner === 'user'
        ? fc.uniqueArray(text, { maxLength: 3 }).chain((users) => fc.tuple(...users.map((user) => text.map((account) => ({ environment, account, user })))))
        : text.map((account) => [{ environment, account }]);
    return fc
      .oneof(
        fc.constant([] as Authorization[]),
        environments.chain((envs) => fc.tuple(...envs.map(one)).map((lists) => lists.flat() as Authorization[])),
      )
      .map((authorizations) => ({ authorizationOwner: owner, sameAuthorizationForAllEnvironments: same, authorizations }));
  });

function strip<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
