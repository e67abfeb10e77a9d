/**
 * A state with the index that the rules need (connections by connector), so that checking one
 * action costs what the connector's own connections cost, not the whole account. The local
 * target keeps one in memory; the planner simulates its plan on one.
 */
import type { ConnectionRecord, ConnectorRecord, State } from '../model/types.js';
import type { RevokedAuthorization } from '../model/plan.js';

/** What an action does to a state: rows written and removed, and authorizations it revoked. */
export interface Effects {
  upsertConnectors: ConnectorRecord[];
  deleteConnectors: string[];
  upsertConnections: ConnectionRecord[];
  deleteConnections: string[];
  revoked: RevokedAuthorization[];
}

export function noEffects(): Effects {
  return { upsertConnectors: [], deleteConnectors: [], upsertConnections: [], deleteConnections: [], revoked: [] };
}

export class World {
  readonly state: State;
  private readonly byConnector = new Map<string, Set<string>>();

  /** Takes ownership of `state`: later effects change it in place. */
  constructor(state: State) {
    this.state = state;
    for (const c of state.connections.values()) this.index(c);
  }

  /** A world over a deep copy, for simulations that must not touch the original. */
  static copyOf(state: State): World {
    return new World({
      connectors: new Map([...state.connectors].map(([k, v]) => [k, structuredClone(v)])),
      connections: new Map([...state.connections].map(([k, v]) => [k, structuredClone(v)])),
    });
  }

  connector(linkName: string): ConnectorRecord | undefined {
    return this.state.connectors.get(linkName);
  }

  connection(linkName: string): ConnectionRecord | undefined {
    return this.state.connections.get(linkName);
  }

  /** The connections that refer to a connector, in link-name order. */
  connectionsOf(connector: string): ConnectionRecord[] {
    const names = this.byConnector.get(connector);
    if (!names) return [];
    return [...names].sort().map((n) => this.state.connections.get(n)!);
  }

  apply(effects: Effects): void {
    for (const name of effects.deleteConnections) {
      const old = this.state.connections.get(name);
      if (old) this.unindex(old);
      this.state.connections.delete(name);
    }
    for (const name of effects.deleteConnectors) this.state.connectors.delete(name);
    for (const c of effects.upsertConnectors) this.state.connectors.set(c.linkName, c);
    for (const c of effects.upsertConnections) {
      const old = this.state.connections.get(c.linkName);
      if (old) this.unindex(old);
      this.state.connections.set(c.linkName, c);
      this.index(c);
    }
  }

  private index(c: ConnectionRecord): void {
    let set = this.byConnector.get(c.connector);
    if (!set) this.byConnector.set(c.connector, (set = new Set()));
    set.add(c.linkName);
  }

  private unindex(c: ConnectionRecord): void {
    const set = this.byConnector.get(c.connector);
    set?.delete(c.linkName);
    if (set && set.size === 0) this.byConnector.delete(c.connector);
  }
}
