import { describe, expect, it } from 'vitest';
import {
  parseTargetAdoptArgs,
  parseTargetAuthorizeArgs,
  parseTargetDeauthorizeArgs,
  parseTargetExportArgs,
  parseTargetImportArgs,
  parseTargetInitArgs,
} from '../../../src/cli/arguments/target.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

const WHERE = [
  ['--target', 'local:a.db'],
  ['--dir', 'cfg'],
];

describe('parseTargetExportArgs', () => {
  it('reads --target and --dir, both optional', () => {
    expect(parseTargetExportArgs([])).toStrictEqual({});
    expect(parseTargetExportArgs(['--target', 'prod', '--dir', 'cfg'])).toStrictEqual({ target: 'prod', dir: 'cfg' });
  });

  it('refuses a stray argument and an unknown option with the option meant', () => {
    const r = refusal(() => parseTargetExportArgs(['snapshot.json']));
    expect(r.message).toBe("unexpected argument 'snapshot.json'");
    expect(r.hint).toBe('connectorops target export [--target T] [--dir D]');
    expect(refusal(() => parseTargetExportArgs(['--tagret', 'x'])).hint).toContain("did you mean '--target'?");
  });

  it('answers help, and parses any order alike', () => {
    expect(parseTargetExportArgs(['--help'])).toEqual({ help: true });
    expectOrderFree(parseTargetExportArgs, WHERE);
  });
});

describe('parseTargetImportArgs', () => {
  it('reads FILE (or - for stdin) and --force', () => {
    expect(parseTargetImportArgs(['snap.json'])).toStrictEqual({ file: 'snap.json', force: false });
    expect(parseTargetImportArgs(['-', '--force', '--target', 't'])).toStrictEqual({ file: '-', force: true, target: 't' });
  });

  it('needs exactly one FILE', () => {
    for (const argv of [[], ['a.json', 'b.json']]) {
      const r = refusal(() => parseTargetImportArgs(argv));
      expect(r.message).toBe('target import takes one FILE (or - for stdin)');
      expect(r.hint).toBe('connectorops target import FILE --target T [--force]');
    }
  });

  it('refuses an unknown option with the option meant', () => {
    expect(refusal(() => parseTargetImportArgs(['a.json', '--forse'])).hint).toContain("did you mean '--force'?");
  });

  it('answers help, and parses any order alike', () => {
    expect(parseTargetImportArgs(['-h'])).toEqual({ help: true });
    expectOrderFree(parseTargetImportArgs, [...WHERE, ['--force']], ['snap.json']);
  });
});

describe('parseTargetAuthorizeArgs', () => {
  it('reads LINKNAME and --account', () => {
    expect(parseTargetAuthorizeArgs(['crm', '--account', 'alice'])).toStrictEqual({ linkName: 'crm', account: 'alice' });
  });

  it('reads --by, who records it on a ledger, checked as rollout done checks it', () => {
    expect(parseTargetAuthorizeArgs(['crm', '--account', 'alice', '--by', ' Eve '])).toStrictEqual({ linkName: 'crm', account: 'alice', by: 'Eve' });
    expect(refusal(() => parseTargetAuthorizeArgs(['crm', '--account', 'alice', '--by', ' '])).message).toBe(
      '--by is a name of 1 to 200 characters, without control characters',
    );
  });

  it("reads --environment (one of Creator's three, any case) and --user (trimmed)", () => {
    expect(parseTargetAuthorizeArgs(['crm', '--account', 'alice', '--environment', 'Stage', '--user', ' bob '])).toStrictEqual({
      linkName: 'crm',
      account: 'alice',
      environment: 'stage',
      user: 'bob',
    });
    expect(refusal(() => parseTargetAuthorizeArgs(['crm', '--account', 'a', '--environment', 'all'])).message).toBe(
      "--environment is one of development, stage, production, not 'all'",
    );
    expect(refusal(() => parseTargetAuthorizeArgs(['crm', '--account', 'a', '--user', ' '])).message).toMatch(/^--user names the user who authorized/);
    expectOrderFree(parseTargetAuthorizeArgs, [...WHERE, ['--account', 'alice'], ['--environment', 'stage'], ['--user', 'bob']], ['crm']);
  });

  it('needs exactly one LINKNAME, and --account', () => {
    const hint = 'connectorops target authorize LINKNAME --account NAME [--environment ENV] [--user LOGIN] --target T';
    expect(refusal(() => parseTargetAuthorizeArgs(['--account', 'a']))).toEqual({ message: 'target authorize takes one LINKNAME', hint });
    expect(refusal(() => parseTargetAuthorizeArgs(['a', 'b', '--account', 'a']))).toEqual({ message: 'target authorize takes one LINKNAME', hint });
    expect(refusal(() => parseTargetAuthorizeArgs(['crm']))).toEqual({ message: 'target authorize needs --account NAME: who consents', hint });
  });

  it('answers help, and parses any order alike', () => {
    expect(parseTargetAuthorizeArgs(['crm', '--help'])).toEqual({ help: true });
    expectOrderFree(parseTargetAuthorizeArgs, [...WHERE, ['--account', 'alice']], ['crm']);
  });
});

describe('parseTargetInitArgs', () => {
  it('reads --mode and --account (trimmed)', () => {
    expect(parseTargetInitArgs(['--mode', 'simulated'])).toStrictEqual({ mode: 'simulated' });
    expect(parseTargetInitArgs(['--mode', 'ledger', '--account', '  Acme (EU) ', '--target', 't'])).toStrictEqual({ mode: 'ledger', account: 'Acme (EU)', target: 't' });
  });

  it('needs --mode ledger or simulated', () => {
    const none = refusal(() => parseTargetInitArgs([]));
    expect(none.message).toBe('target init needs --mode ledger or --mode simulated');
    expect(none.hint).toMatch(/^ledger: /);
    expect(refusal(() => parseTargetInitArgs(['--mode', 'real'])).message).toBe("--mode is ledger or simulated, not 'real'");
  });

  it('refuses an account name that is empty, too long or holds control characters', () => {
    for (const bad of ['', '   ', 'x'.repeat(201), 'a\u0007b', 'a\nb']) {
      const r = refusal(() => parseTargetInitArgs(['--mode', 'ledger', `--account=${bad}`]));
      expect(r.message).toBe('--account is a name of 1 to 200 characters, without control characters');
      expect(r.hint).toBe('e.g. --account "Acme (EU)"');
    }
  });

  it('answers help, and parses any order alike', () => {
    expect(parseTargetInitArgs(['--mode', 'nonsense', '-h'])).toEqual({ help: true });
    expectOrderFree(parseTargetInitArgs, [...WHERE, ['--mode', 'ledger'], ['--account', 'Acme']]);
  });

  it('refuses a stray argument', () => {
    expect(refusal(() => parseTargetInitArgs(['--mode', 'ledger', 'extra'])).message).toBe("unexpected argument 'extra'");
  });
});

describe('parseTargetAdoptArgs', () => {
  it('reads --authorized LINK=ACCOUNT, repeated', () => {
    expect(parseTargetAdoptArgs([])).toStrictEqual({ authorized: [] });
    expect(parseTargetAdoptArgs(['--authorized', 'crm=alice@acme.example', '--authorized', ' erp = bob ', '--dir', 'cfg'])).toStrictEqual({
      dir: 'cfg',
      authorized: [
        { link: 'crm', account: 'alice@acme.example' },
        { link: 'erp', account: 'bob' },
      ],
    });
  });

  it('reads --authorized LINK@ENV=ACCOUNT, one per environment of a connection', () => {
    expect(parseTargetAdoptArgs(['--authorized', 'crm@Stage=bob@acme.example', '--authorized', 'crm@production=alice'])).toStrictEqual({
      authorized: [
        { link: 'crm', environment: 'stage', account: 'bob@acme.example' },
        { link: 'crm', environment: 'production', account: 'alice' },
      ],
    });
    const r = refusal(() => parseTargetAdoptArgs(['--authorized', 'crm@qa=bob']));
    expect(r.message).toBe("--authorized crm@ENV is one of development, stage, production, not 'qa'");
    expect(refusal(() => parseTargetAdoptArgs(['--authorized', 'crm@stage=a', '--authorized', 'crm@stage=b'])).message).toBe(
      "--authorized names connection 'crm' in stage twice",
    );
  });

  it('refuses an --authorized that is not LINK=ACCOUNT, or names a connection twice', () => {
    for (const bad of ['crm', '=alice', 'crm=', ' = ', 'crm@=a', '@stage=a']) {
      const r = refusal(() => parseTargetAdoptArgs(['--authorized', bad]));
      expect(r.message).toBe(`--authorized takes LINK=ACCOUNT or LINK@ENV=ACCOUNT (a connection's link name, its environment, and who authorized it), not '${bad}'`);
    }
    expect(refusal(() => parseTargetAdoptArgs(['--authorized', 'crm=a', '--authorized', 'crm=b'])).message).toBe("--authorized names connection 'crm' twice");
  });

  it('refuses an account that target authorize would refuse: control characters, over 100 characters', () => {
    // They were recorded in the ledger as attested, ESC, BIDI override and all.
    for (const account of ['a\u001b[2J', 'tab\there', 'x'.repeat(101)]) {
      const r = refusal(() => parseTargetAdoptArgs(['--authorized', `crm_sales=${account}`]));
      expect(r.message).toBe('--authorized crm_sales=ACCOUNT: the account must be a name of at most 100 characters, without control characters; nothing was recorded');
    }
    expect(parseTargetAdoptArgs(['--authorized', `crm_sales=${'x'.repeat(100)}`])).toStrictEqual({ authorized: [{ link: 'crm_sales', account: 'x'.repeat(100) }] });
  });

  it('answers help, and parses any order alike', () => {
    expect(parseTargetAdoptArgs(['--help'])).toEqual({ help: true });
    expectOrderFree(parseTargetAdoptArgs, [...WHERE, ['--authorized', 'crm=a']]);
  });
});

describe('parseTargetDeauthorizeArgs', () => {
  it('reads LINKNAME, and narrows to --environment and --user when given', () => {
    expect(parseTargetDeauthorizeArgs(['crm'])).toStrictEqual({ linkName: 'crm' });
    expect(parseTargetDeauthorizeArgs(['crm', '--environment', 'production', '--user', 'bob', '--target', 't'])).toStrictEqual({
      linkName: 'crm',
      environment: 'production',
      user: 'bob',
      target: 't',
    });
    expect(refusal(() => parseTargetDeauthorizeArgs([])).message).toBe('target deauthorize takes one LINKNAME');
    expect(refusal(() => parseTargetDeauthorizeArgs(['crm', '--environment', 'prod'])).message).toBe(
      "--environment is one of development, stage, production, not 'prod'",
    );
    expectOrderFree(parseTargetDeauthorizeArgs, [...WHERE, ['--environment', 'stage'], ['--user', 'bob']], ['crm']);
  });

  it('reads --by, who records it on a ledger', () => {
    expect(parseTargetDeauthorizeArgs(['crm', '--by', 'Trent'])).toStrictEqual({ linkName: 'crm', by: 'Trent' });
  });
});
