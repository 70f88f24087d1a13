// Every kne command by id (oclif's explicit strategy: no globbing at start-up).
import BrokerCreate from './commands/broker/create.js'
import BrokerDelete from './commands/broker/delete.js'
import BrokerDescribe from './commands/broker/describe.js'
import BrokerList from './commands/broker/list.js'
import Init from './commands/init.js'
import SourceApiserverCreate from './commands/source/apiserver/create.js'
import SourceBindingCreate from './commands/source/binding/create.js'
import SourceContainerCreate from './commands/source/container/create.js'
import SourceDelete from './commands/source/delete.js'
import SourceDescribe from './commands/source/describe.js'
import SourceList from './commands/source/list.js'
import SourcePingCreate from './commands/source/ping/create.js'
import SourcePingFire from './commands/source/ping/fire.js'
import TriggerCreate from './commands/trigger/create.js'
import TriggerDelete from './commands/trigger/delete.js'
import TriggerDescribe from './commands/trigger/describe.js'
import TriggerList from './commands/trigger/list.js'
import Dev from './commands/dev.js'
import EventtypeCreate from './commands/eventtype/create.js'
import EventtypeDelete from './commands/eventtype/delete.js'
import EventtypeDescribe from './commands/eventtype/describe.js'
import EventtypeList from './commands/eventtype/list.js'
import RegistryBrowse from './commands/registry/browse.js'
import RegistryDescribe from './commands/registry/describe.js'
import RegistryExport from './commands/registry/export.js'
import RegistryLint from './commands/registry/lint.js'
import RegistryList from './commands/registry/list.js'
import Export from './commands/export.js'
import FilterTest from './commands/filter/test.js'
import Run from './commands/run.js'
import Send from './commands/send.js'
import Sink from './commands/sink.js'
import Tail from './commands/tail.js'
import Validate from './commands/validate.js'

export const COMMANDS = {
  'broker:create': BrokerCreate,
  'broker:delete': BrokerDelete,
  'broker:describe': BrokerDescribe,
  'broker:list': BrokerList,
  init: Init,
  'source:apiserver:create': SourceApiserverCreate,
  'source:binding:create': SourceBindingCreate,
  'source:container:create': SourceContainerCreate,
  'source:delete': SourceDelete,
  'source:describe': SourceDescribe,
  'source:list': SourceList,
  'source:ping:create': SourcePingCreate,
  'source:ping:fire': SourcePingFire,
  'trigger:create': TriggerCreate,
  'trigger:delete': TriggerDelete,
  'trigger:describe': TriggerDescribe,
  'trigger:list': TriggerList,
  dev: Dev,
  'eventtype:create': EventtypeCreate,
  'eventtype:delete': EventtypeDelete,
  'eventtype:describe': EventtypeDescribe,
  'eventtype:list': EventtypeList,
  'registry:browse': RegistryBrowse,
  'registry:describe': RegistryDescribe,
  'registry:export': RegistryExport,
  'registry:lint': RegistryLint,
  'registry:list': RegistryList,
  export: Export,
  'filter:test': FilterTest,
  run: Run,
  send: Send,
  sink: Sink,
  tail: Tail,
  validate: Validate,
}
