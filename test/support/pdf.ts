import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where tests keep artefacts for people to look at (gitignored). */
export const TEST_OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url))

/** The text of a PDF as poppler's pdftotext reads it, whitespace collapsed to single spaces. */
export function pdfToText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-pdf-'))
  const file = join(dir, 'in.pdf')
  writeFileSync(file, pdf)
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ')
}

/** The number of pages pdfinfo counts. */
export function pdfPages(pdf: Buffer): number {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-pdf-'))
  const file = join(dir, 'in.pdf')
  writeFileSync(file, pdf)
  return Number(/^Pages:\s+(\d+)/m.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1])
}

/**
 * Renders pages of a PDF to PNG with pdftoppm and keeps them under test-output/<dir>/ as
 * `<name>-<page>.png` (the PDF beside them); returns the PNG paths.
 */
export function keepPdfArtefacts(pdf: Buffer, dir: string, name: string, options: { firstPage?: number; lastPage?: number; dpi?: number } = {}): string[] {
  const out = join(TEST_OUTPUT, dir)
  mkdirSync(out, { recursive: true })
  const file = join(out, `${name}.pdf`)
  writeFileSync(file, pdf)
  const tmp = mkdtempSync(join(tmpdir(), 'meridian-png-'))
  const args = ['-png', '-r', String(options.dpi ?? 72)]
  if (options.firstPage) args.push('-f', String(options.firstPage))
  if (options.lastPage) args.push('-l', String(options.lastPage))
  execFileSync('pdftoppm', [...args, file, join(tmp, 'page')])
  return readdirSync(tmp)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => {
      const target = join(out, `${name}-${/(\d+)\.png$/.exec(f)![1]}.png`)
      copyFileSync(join(tmp, f), target)
      return target
    })
}
