// What kne's list and describe commands know of the running mesh: its status and the resources it runs.
import type {MeshReading} from '../scaffold/inspect.js'
import {findMesh} from './locator.js'
import {getResources, getStatus} from './mesh-client.js'

/** The running mesh, its status and resources, or why there is none; never throws. */
export async function readMesh(dataDir: string): Promise<MeshReading> {
  let url: string
  try {
    url = findMesh(dataDir).url
  } catch {
    return {problem: 'no kne mesh is running'}
  }
  try {
    const [status, served] = await Promise.all([getStatus(url), getResources(url)])
    return {mesh: {url, status, ...(served ? {resources: served.resources} : {})}}
  } catch (error) {
    return {problem: (error as Error).message}
  }
}
