/** Where `comment` posts: token, API URL, repository and pull request, from env and flags. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendJobSummary, parsePullNumber, parseRepository, resolveGitHubContext } from '../../src/github/context.js';
import { UserError } from '../../src/errors.js';
import { tempDir } from '../support/target.js';

const TOKEN = 'ghs_abcdefghijklmnop';
const env = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({ GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: 'acme/infra', ...extra });

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

describe('resolveGitHubContext', () => {
  it('reads the token, the default API and GITHUB_REPOSITORY', () => {
    expect(resolveGitHubContext(env(), undefined)).toEqual({ token: TOKEN, baseUrl: 'https://api.github.com', owner: 'acme', repo: 'infra', timeoutMs: 30_000 });
  });

  it('takes GITHUB_API_URL (GitHub Enterprise Server) without its trailing slash, and --repo over GITHUB_REPOSITORY', () => {
    const ctx = resolveGitHubContext(env({ GITHUB_API_URL: 'https://ghe.acme.example/api/v3/' }), 'acme/other.repo');
    expect(ctx).toMatchObject({ baseUrl: 'https://ghe.acme.example/api/v3', owner: 'acme', repo: 'other.repo' });
  });

  it('refuses a missing token with a hint for workflows', () => {
    for (const token of [undefined, '', '  ']) {
      const e = userError(() => resolveGitHubContext(env({ GITHUB_TOKEN: token }), undefined));
      expect(e.message).toMatch(/^GITHUB_TOKEN is not set/);
      expect(e.details.hint).toContain('GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}');
      expect(e.details.hint).toContain('pull-requests: write');
    }
  });

  it('refuses a token that cannot go in a header, without quoting it', () => {
    const e = userError(() => resolveGitHubContext(env({ GITHUB_TOKEN: `${TOKEN}\nX-Injected: 1` }), undefined));
    expect(e.message).not.toContain(TOKEN);
    expect(e.message).toMatch(/cannot go in an HTTP header/);
  });

  it('refuses an API URL that is not http(s), or that holds credentials', () => {
    expect(userError(() => resolveGitHubContext(env({ GITHUB_API_URL: 'not a url' }), undefined)).message).toMatch(/^GITHUB_API_URL is not a URL/);
    expect(userError(() => resolveGitHubContext(env({ GITHUB_API_URL: 'file:///etc/passwd' }), undefined)).message).toMatch(/must be an http\(s\) URL/);
    expect(userError(() => resolveGitHubContext(env({ GITHUB_API_URL: 'https://x:y@api.github.com' }), undefined)).message).toMatch(/must not hold credentials/);
  });

  it('needs a repository, from --repo or GITHUB_REPOSITORY', () => {
    const e = userError(() => resolveGitHubContext(env({ GITHUB_REPOSITORY: undefined }), undefined));
    expect(e.message).toBe('comment does not know the repository: give --repo OWNER/NAME or set GITHUB_REPOSITORY');
  });
});

describe('parseRepository', () => {
  it('accepts OWNER/NAME as GitHub spells them', () => {
    expect(parseRepository('acme-corp/infra_1.x', '--repo')).toEqual({ owner: 'acme-corp', repo: 'infra_1.x' });
  });

  it('refuses anything else, naming where it came from', () => {
    for (const bad of ['acme', 'acme/infra/x', '/infra', 'acme/', 'acme/..', 'ac me/infra', '-acme/infra', 'acme/in fra']) {
      expect(userError(() => parseRepository(bad, 'GITHUB_REPOSITORY')).message).toMatch(/^GITHUB_REPOSITORY must be OWNER\/NAME \(like acme\/infra\), not "/);
    }
  });
});

describe('parsePullNumber', () => {
  it('takes a whole number from 1', () => {
    expect(parsePullNumber('7')).toBe(7);
    expect(parsePullNumber('12345')).toBe(12345);
  });

  it('refuses a missing or malformed one', () => {
    expect(userError(() => parsePullNumber(undefined)).message).toBe('comment needs --pr N, the pull request to comment on');
    for (const bad of ['0', '-1', '7.5', '07', 'abc', '', '1e3', '99999999999999999999']) {
      expect(userError(() => parsePullNumber(bad)).message).toMatch(/^--pr takes a pull request number/);
    }
  });
});

describe('appendJobSummary', () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => tmp?.cleanup());

  it('appends, leaving what other steps wrote, with a blank line between', async () => {
    tmp = tempDir('connectorops-summary-');
    const file = join(tmp.dir, 'summary.md');
    await appendJobSummary(file, '# one\n');
    await appendJobSummary(file, '# two');
    expect(readFileSync(file, 'utf8')).toBe('# one\n\n# two\n\n');
  });
});
