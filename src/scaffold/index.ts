// Scaffolding: kn-style options → Knative manifests (from templates/) → files in the project's
// manifests folder, and the list/describe views of what is there. The builders are the entry points
// for anything that needs the manifests kne writes (tests, schema checks).
export {
  buildApiServerSource,
  buildBroker,
  buildContainerSource,
  buildManifest,
  buildPingSource,
  buildSinkBinding,
  buildTrigger,
  type KindOptions,
} from './builders.js'
export {renderManifest, renderText, TEMPLATES_DIR, toYaml} from './templates.js'
export {checkName, createResource, type CreateOptions, type CreateResult} from './create.js'
export {deleteResource, type DeleteResult} from './delete.js'
export {EXAMPLE_SERVICE, EXAMPLE_SINK_URL, initProject, type InitOptions, type InitResult} from './init.js'
export {openProject, type ProjectContext, type ProjectOptions} from './project.js'
export {Prompter} from './prompts.js'
export {
  scaffoldApiServerSource,
  scaffoldBroker,
  scaffoldContainerSource,
  scaffoldKind,
  scaffoldPingSource,
  scaffoldSinkBinding,
  scaffoldTrigger,
  type ScaffoldContext,
} from './scaffold.js'
export {readWorkspace, type Workspace, type WorkspaceEntry} from './workspace.js'
export {KINDS, type Manifest, type ScaffoldKind} from '../core/manifests/index.js'
