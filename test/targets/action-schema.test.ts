/**
 * parseAction checks an action once: the HTTP server checks it (for its idempotency key), then the
 * target it hands it to checks it again; the second check takes the first's result as it is, which
 * holds only while nothing can change that result (issue 25).
 */
import { describe, expect, it } from 'vitest';
import { TargetError } from '../../src/errors.js';
import { ActionBodySchema, type ActionBody } from '../../src/model/actions.js';
import { parseAction } from '../../src/targets/action-schema.js';
import { act } from '../support/target.js';

/** An action as plain data, to try changing it. */
type Loose = { op: string; spec: { authentication: { type: string } } };

describe('parseAction', () => {
  it('returns a checked copy, and that copy as it is when it is checked again', () => {
    const input = act.createConnector('crm');
    const checked = parseAction(input);
    expect(checked).toEqual(input);
    expect(checked).not.toBe(input);
    expect(parseAction(checked)).toBe(checked);
  });

  it('freezes the checked copy all the way down, and never what the caller passed', () => {
    const input = act.createConnector('crm') as unknown as Loose;
    const checked = parseAction(input) as unknown as Loose;
    expect(Object.isFrozen(input)).toBe(false);
    expect(Object.isFrozen(input.spec)).toBe(false);
    expect(() => {
      checked.op = 'connector.explode';
    }).toThrow(TypeError);
    expect(() => {
      checked.spec.authentication.type = 'oauth3';
    }).toThrow(TypeError);
    expect(parseAction(checked)).toEqual(input);
  });

  it('checks a changed copy of a checked action again: malformed is refused with the same message', () => {
    const checked = parseAction(act.createConnector('crm')) as unknown as Loose;
    const changed = { ...checked, spec: { ...checked.spec, authentication: { type: 'oauth3' } } };
    expect(() => parseAction(changed)).toThrow(TargetError);
    expect(() => parseAction(changed)).toThrow(/^malformed action connector.create: spec.authentication.type: /);
    expect(() => parseAction({ ...checked, op: 'connector.explode' })).toThrow(/^malformed action: op: /);
  });

  it('takes back only what it returned: a copy of a checked action (a spread, structuredClone, JSON) is checked again', () => {
    const checked = parseAction(act.createConnector('crm'));
    for (const copy of [{ ...checked }, structuredClone(checked), JSON.parse(JSON.stringify(checked)) as ActionBody]) {
      const again = parseAction(copy);
      expect(again).not.toBe(copy);
      expect(again).toStrictEqual(checked);
    }
    // The mark that says "checked" is no key of the action: its keys and JSON are the schema's.
    expect(Reflect.ownKeys(checked)).toStrictEqual(['op', 'kind', 'linkName', 'spec']);
    expect(JSON.stringify(checked)).toBe(JSON.stringify(ActionBodySchema.parse(act.createConnector('crm'))));
  });

  it('checks an action that is not plain data through the schema, and takes that back as it is too', () => {
    class Action {
      op = 'connector.markReady';
      kind = 'Connector';
      linkName = 'crm';
    }
    const checked = parseAction(new Action());
    expect(checked).toStrictEqual({ op: 'connector.markReady', kind: 'Connector', linkName: 'crm' });
    expect(Object.isFrozen(checked)).toBe(true);
    expect(parseAction(checked)).toBe(checked);
  });

  it('refuses what is not an action at all, as before', () => {
    expect(() => parseAction(null)).toThrow(/^malformed action: /);
    expect(() => parseAction('connector.create')).toThrow(/^malformed action: /);
  });
});
