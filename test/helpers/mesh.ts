// Meshes and real subscribers that close when the test that made them ends, passed or failed (or after the
// file, when made in beforeAll), so that no test leaves a port, a timer or a child process to the next.
import {afterAll, expect, onTestFinished, TestRunner} from 'vitest'
import {createMesh, parseManifests, type Mesh, type MeshOptions} from '../../src/index.js'
import {startSubscriber, type Responder, type Subscriber} from './subscriber.js'

export interface MeshKit {
  /** A mesh on 127.0.0.1, port 0, running `yaml` (which must parse without errors); pass a `clock` for virtual time. */
  mesh(yaml: string, options?: MeshOptions): Promise<Mesh>
  /** A mesh started from `options` as they are (resources already loaded, e.g. by loadManifests). */
  start(options?: MeshOptions): Promise<Mesh>
  /** A real subscriber (test/helpers/subscriber.ts). */
  subscriber(responder?: Responder): Promise<Subscriber>
  /** Runs `cleanup` when the test ends (the last registered first), or after the file outside a test. */
  defer(cleanup: () => unknown): void
}

/** Call once at the top of a test file (or a describe); its meshes and subscribers never outlive their test. */
export function useMesh(): MeshKit {
  const afterFile: (() => unknown)[] = []
  afterAll(() => runAll(afterFile))
  const defer = (cleanup: () => unknown): void => {
    if (TestRunner.getCurrentTest())
      onTestFinished(async () => {
        await cleanup()
      })
    else afterFile.push(cleanup)
  }
  const start = async (options: MeshOptions = {}): Promise<Mesh> => {
    const mesh = await createMesh({port: 0, ...options})
    defer(() => mesh.close())
    return mesh
  }
  return {
    defer,
    start,
    mesh(yaml, options = {}) {
      const parsed = parseManifests(yaml, 'test.yaml')
      expect(parsed.errors).toEqual([])
      return start({...options, resources: parsed.resources})
    },
    async subscriber(responder) {
      const subscriber = await startSubscriber(responder)
      defer(() => subscriber.close())
      return subscriber
    },
  }
}

/** Runs every cleanup, the last registered first, even when one throws; then throws the first error. */
async function runAll(cleanups: (() => unknown)[]): Promise<void> {
  const errors: unknown[] = []
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!()
    } catch (error) {
      errors.push(error)
    }
  }
  if (errors.length > 0) throw errors[0]
}
