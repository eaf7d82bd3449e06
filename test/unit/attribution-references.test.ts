import { describe, expect, it } from 'vitest'
import {
  hasLabel,
  isRevert,
  issueNumberOf,
  parseCausedBy,
  parseIssueRefs,
  parseRevertsRef,
  parseRootCauseSha,
  revertedTitle,
} from '../../collectors/attribution/references.ts'

describe('parseRootCauseSha', () => {
  it.each([
    ['root cause: 1a2b3c4', '1a2b3c4'],
    ['Root Cause: 1A2B3C4D5E', '1a2b3c4d5e'],
    ['Impact: high.\n\nroot cause: 0123456789abcdef0123456789abcdef01234567', '0123456789abcdef0123456789abcdef01234567'],
    ['root-cause:`abcdef0`', 'abcdef0'],
    ['root cause: abc123 (too short)', null],
    ['root cause: 1a2b3c4z (not hex to the end)', null],
    ['root cause: 0123456789abcdef0123456789abcdef012345678 (41 digits)', null],
    ['the root cause was a config push', null],
    [null, null],
  ])('%j → %j', (text, expected) => {
    expect(parseRootCauseSha(text)).toBe(expected)
  })
})

describe('parseCausedBy', () => {
  it.each([
    ['caused by #42', { repo: null, number: 42 }],
    ['Caused by: #7.', { repo: null, number: 7 }],
    ['caused by acme/api#12', { repo: 'acme/api', number: 12 }],
    ['caused by https://github.com/Acme/Web/pull/9', { repo: 'acme/web', number: 9 }],
    ['caused by a bad deploy', null],
    ['see #42', null],
  ])('%j → %j', (text, expected) => {
    const ref = parseCausedBy(text)
    expect(ref === null ? null : { repo: ref.repo, number: ref.number }).toEqual(expected)
  })
})

describe('parseIssueRefs', () => {
  it.each([
    ['Fixes #12', [{ repo: null, number: 12, closing: true }]],
    ['closes #3, resolves #4', [{ repo: null, number: 3, closing: true }, { repo: null, number: 4, closing: true }]],
    ['Resolved: acme/api#8', [{ repo: 'acme/api', number: 8, closing: true }]],
    ['Follow-up to incident #5.', [{ repo: null, number: 5, closing: false }]],
    ['#7 at the start, #7 again', [{ repo: null, number: 7, closing: false }]],
    ['see https://github.com/acme/api/issues/31#issuecomment-1', [{ repo: 'acme/api', number: 31, closing: false }]],
    ['it&#39;s fine, color #fff, heading', []],
    ['a/b/c#4 is a path, x#5 is not a ref', []],
    ['', []],
  ])('%j', (text, expected) => {
    expect(parseIssueRefs(text)).toEqual(expected)
  })
})

describe('reverts', () => {
  it.each([
    ['Reverts acme/api#17', { repo: 'acme/api', number: 17 }],
    ['This reverts #3', { repo: null, number: 3 }],
    ['reverts commit 1a2b3c4', null],
  ])('parseRevertsRef(%j)', (body, expected) => {
    const ref = parseRevertsRef(body)
    expect(ref === null ? null : { repo: ref.repo, number: ref.number }).toEqual(expected)
  })

  it.each([
    ['Revert "Add checkout"', 'Add checkout'],
    ['Revert "Revert "Add checkout""', 'Revert "Add checkout"'],
    ['Reverting the cache', null],
    ['revert "lower case is not GitHub\'s"', null],
  ])('revertedTitle(%j) → %j', (title, expected) => {
    expect(revertedTitle(title)).toBe(expected)
  })

  it.each([
    [{ title: 'Revert "Add checkout"', body: null }, true],
    [{ title: 'Roll back', body: 'Reverts acme/api#2' }, true],
    [{ title: 'Roll back', body: null, revert_of_number: 4 }, true],
    [{ title: 'Add checkout', body: 'Fixes #2' }, false],
  ])('isRevert(%j) → %s', (pr, expected) => {
    expect(isRevert(pr)).toBe(expected)
  })
})

describe('labels and incident issue numbers', () => {
  it.each([
    [['Hotfix'], ['hotfix'], true],
    [['bug', 'urgent-fix'], ['hotfix', 'urgent-fix'], true],
    [['bug'], ['hotfix'], false],
    [['hotfix'], [], false],
  ])('hasLabel(%j, %j) → %s', (labels, wanted, expected) => {
    expect(hasLabel(labels, wanted)).toBe(expected)
  })

  it.each([
    [['acme/api#12'], 12],
    [[null, 'https://github.com/acme/api/issues/9'], 9],
    [[null, null, 'github:acme/api#3'], 3],
    [['PD-1234', null, 'P1ABC'], null],
  ] as const)('issueNumberOf(%j) → %j', (candidates, expected) => {
    expect(issueNumberOf(...candidates)).toBe(expected)
  })
})
