// Locates the shared conformance material (CESQL TCK, Knative filter cases, ingress vectors).
// Tests that need it call conformanceFile(); when the folder is missing they are skipped with a
// message, unless KNE_REQUIRE_CONFORMANCE=1 (set by .ci/run), where a skip would hide a failure.
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parse} from 'yaml'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

function findConformanceDir(): string | undefined {
  const candidates = [process.env.KNE_CONFORMANCE_DIR, join(repoRoot, '..', 'shared', 'conformance')]
  return candidates.find((dir): dir is string => dir !== undefined && dir !== '' && existsSync(dir))
}

export const conformanceDir = findConformanceDir()

if (conformanceDir === undefined) {
  const message = 'conformance material not found (set KNE_CONFORMANCE_DIR or place it at ../shared/conformance)'
  if (process.env.KNE_REQUIRE_CONFORMANCE === '1') throw new Error(message)
  console.warn(`[kne tests] skipping conformance tests: ${message}`)
}

/** True when the conformance tests can run; use with describe.skipIf(!hasConformance). */
export const hasConformance = conformanceDir !== undefined

/** Reads and parses a YAML file below the conformance folder (YAML 1.2 core schema: timestamps stay strings). */
export function readConformanceYaml<T = unknown>(relativePath: string): T {
  if (conformanceDir === undefined) throw new Error('conformance material not available')
  return parse(readFileSync(join(conformanceDir, relativePath), 'utf8')) as T
}
