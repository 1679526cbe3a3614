// Where a sync goes: the GitLab base URL and the project or group.

import { execFileSync } from 'node:child_process';
import { isIPv4 } from 'node:net';
import { UsageError } from '../errors.js';

export interface Target {
  /** `projects/<id>` or `groups/<id>`, URL-encoded, for the API path */
  apiPath: string;
  /** what the user named: the project path or id, or the group id */
  id: string;
  /** "project group/app", "group 7": for messages */
  label: string;
}

/** The GitLab base URL, refused unless it is https (plain http only on loopback). */
export function checkedGitlabUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`GITLAB_URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopback(parsed.hostname)))
    throw new UsageError(`refusing ${url}: GitLab must be reached over https (plain http only on loopback)`);
  return url;
}

/**
 * Loopback means the literal addresses 127.0.0.0/8 and ::1, and `localhost`: nothing
 * that merely starts with "127." (`127.evil.example` is a name anyone can point anywhere).
 * URL has already normalised the other spellings of an IPv4 address (127.1, 0x7f.0.0.1).
 */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || (isIPv4(hostname) && hostname.startsWith('127.'));
}

export function resolveTarget(opts: { project?: string; group?: string }, baseUrl: string): Target {
  if (opts.project && opts.group) throw new UsageError('use either --project or --group, not both');
  if (opts.group)
    return { apiPath: `groups/${encodeURIComponent(opts.group)}`, id: opts.group, label: `group ${opts.group}` };
  const project = opts.project ?? originProject(baseUrl);
  return { apiPath: `projects/${encodeURIComponent(project)}`, id: project, label: `project ${project}` };
}

/** group/app from the origin remote, when it points at the GitLab host. */
function originProject(baseUrl: string): string {
  let remote = '';
  try {
    remote = execFileSync('git', ['config', '--get', 'remote.origin.url'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // not a git repository
  }
  const host = new URL(baseUrl).hostname;
  const m = /^(?:[a-z+]+:\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/|[^@]+@([^:]+):)(.+?)(?:\.git)?\/?$/.exec(remote);
  if (!m || (m[1] ?? m[2]) !== host)
    throw new UsageError(
      'no --project given and the origin remote does not point at the GitLab host; give --project group/app',
    );
  return m[3];
}
