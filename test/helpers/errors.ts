// The KneError a call throws, to assert its message, exit code and details.
import type {KneError} from '../../src/core/errors.js'

export function thrown(fn: () => unknown): KneError {
  try {
    fn()
  } catch (error) {
    return error as KneError
  }
  throw new Error('expected an error')
}

/** The KneError a call throws, or undefined when it returns. */
export function thrownIfAny(fn: () => unknown): KneError | undefined {
  try {
    fn()
  } catch (error) {
    return error as KneError
  }
  return undefined
}
