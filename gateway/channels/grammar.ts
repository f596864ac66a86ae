/**
 * Channel grammar and the channel -> subject mapping. Pure: no I/O.
 *
 *   channel   = namespace ":" name
 *   namespace = [a-z][a-z0-9_-]{0,31}
 *   name      = segment *("/" segment)
 *   segment   = 1*64 of [A-Za-z0-9_-]     ("*" anywhere and ">" last, where the namespace allows wildcards)
 *
 * Names are mapped through the namespace's subject template ({ns}, {name} with "/" -> "."), so nothing
 * a client writes reaches NATS unchecked: no dots, spaces, control characters or look-alike letters.
 */
import { ErrorCode } from '../../proto/codes.js';
import type { Config, NamespaceConfig } from '../config/schema.js';
import { ClientError } from '../errors.js';

const CHANNEL = /^([a-z][a-z0-9_-]{0,31}):(.+)$/;
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

export interface ChannelRef {
  channel: string;
  namespace: NamespaceConfig;
  /** Stream-side subject (may hold wildcards for wildcard channels). */
  subject: string;
  /** Core NATS subject the stream republishes to. */
  liveSubject: string;
  wildcard: boolean;
}

/** Template split around {name}, for mapping a concrete subject back to a channel-relative name. */
interface Template {
  prefix: string;
  suffix: string;
}

function compileTemplate(ns: NamespaceConfig, template: string): Template {
  const t = template.replace(/\{ns\}/g, ns.name);
  const at = t.indexOf('{name}');
  return { prefix: t.slice(0, at), suffix: t.slice(at + '{name}'.length) };
}

export class ChannelResolver {
  private readonly namespaces = new Map<string, { ns: NamespaceConfig; template: Template }>();

  constructor(private readonly config: Pick<Config, 'namespaces' | 'livePrefix' | 'websocket'>) {
    for (const ns of config.namespaces) this.namespaces.set(ns.name, { ns, template: compileTemplate(ns, ns.subject) });
  }

  namespace(name: string): NamespaceConfig | undefined {
    return this.namespaces.get(name)?.ns;
  }

  /** Resolves a client-supplied channel name; throws ClientError(BadChannel | UnknownNamespace). */
  resolve(channel: unknown): ChannelRef {
    if (typeof channel !== 'string' || channel.length === 0) throw bad('channel name is required');
    if (channel.length > this.config.websocket.maxChannelLength) {
      throw bad(`channel name longer than ${this.config.websocket.maxChannelLength} characters`);
    }
    const m = CHANNEL.exec(channel);
    if (!m) throw bad('channel must look like "namespace:name"');
    const entry = this.namespaces.get(m[1] as string);
    if (!entry) throw new ClientError(ErrorCode.UnknownNamespace, `unknown namespace "${m[1]}"`);
    const segments = (m[2] as string).split('/');
    let wildcard = false;
    segments.forEach((seg, i) => {
      if (seg === '*' || (seg === '>' && i === segments.length - 1)) {
        if (!entry.ns.allowWildcards) throw bad(`namespace "${entry.ns.name}" does not allow wildcards`);
        wildcard = true;
      } else if (!SEGMENT.test(seg)) {
        throw bad('channel name segments may hold only letters, digits, "_" and "-", separated by "/"');
      }
    });
    const subject = entry.template.prefix + segments.join('.') + entry.template.suffix;
    return { channel, namespace: entry.ns, subject, liveSubject: `${this.config.livePrefix}.${subject}`, wildcard };
  }

  /** Maps a concrete stream subject of a namespace back to its channel-relative name ("a/b"). */
  relativeName(ns: NamespaceConfig, subject: string): string {
    const t = this.namespaces.get(ns.name)?.template;
    if (!t || !subject.startsWith(t.prefix) || !subject.endsWith(t.suffix)) return '';
    return subject.slice(t.prefix.length, subject.length - t.suffix.length).split('.').join('/');
  }
}

function bad(message: string): ClientError {
  return new ClientError(ErrorCode.BadChannel, message);
}
