// Where a sync may go: https anywhere, plain http only to loopback addresses.
import { describe, expect, it } from 'vitest';
import { checkedGitlabUrl } from '../../src/gitlab/target.js';

describe('GITLAB_URL', () => {
  it.each([
    'http://127.0.0.1:8080',
    'http://127.1.2.3',
    'http://127.1', // URL normalises it to 127.0.0.1
    'http://localhost:3000',
    'http://[::1]:8080',
    'https://gitlab.example.com',
    'https://127.evil.example',
  ])('accepts %s', (url) => {
    expect(checkedGitlabUrl(url)).toBe(url);
  });

  it.each([
    'http://127.evil.example',
    'http://127.0.0.1.nip.io',
    'http://localhost.evil.example',
    'http://gitlab.example.com',
    'http://[::ffff:7f00:1]',
    'http://128.0.0.1',
    'ftp://127.0.0.1',
  ])('refuses %s', (url) => {
    expect(() => checkedGitlabUrl(url)).toThrow(/GitLab must be reached over https \(plain http only on loopback\)/);
  });
});
